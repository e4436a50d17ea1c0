#include "providers/pki/crl.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <array>
#include <utility>

#include "util/error.h"

namespace keyform::x509 {

namespace {

using AsnTimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using AsnIntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using AsnEnumPtr = std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using RevokedPtr = std::unique_ptr<X509_REVOKED, Deleter<X509_REVOKED_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

constexpr std::array<std::pair<RevocationReason, std::string_view>, 4> kReasons = {{
    {RevocationReason::kUnspecified, "unspecified"},
    {RevocationReason::kKeyCompromise, "keyCompromise"},
    {RevocationReason::kSuperseded, "superseded"},
    {RevocationReason::kCessationOfOperation, "cessationOfOperation"},
}};

// Library error strings only: they never carry key bytes.
[[noreturn]] void crl_fail(const std::string& what) {
  unsigned long code = ERR_peek_last_error();
  std::string msg = what;
  if (code != 0) msg += std::string(" (") + ERR_reason_error_string(code) + ")";
  ERR_clear_error();
  throw Error(msg);
}

void crl_check(int ok, const char* what) {
  if (ok <= 0) crl_fail(what);
}

AsnTimePtr asn1_time(UnixTime t) {
  AsnTimePtr out(ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
  if (!out) crl_fail("cannot encode a CRL time");
  return out;
}

AsnIntPtr asn1_serial(const std::string& hex) {
  BIGNUM* raw = nullptr;
  if (hex.empty() || BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size()))
    throw Error("revoked serial \"" + hex + "\" is not hexadecimal");
  BignumPtr bn(raw);
  AsnIntPtr out(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!out) crl_fail("cannot encode a revoked serial");
  return out;
}

void add_entry(X509_CRL* crl, const RevokedSerial& r) {
  RevokedPtr rev(X509_REVOKED_new());
  if (!rev) crl_fail("cannot allocate a CRL entry");
  AsnIntPtr serial = asn1_serial(r.serial_hex);
  crl_check(X509_REVOKED_set_serialNumber(rev.get(), serial.get()), "cannot set a revoked serial");
  AsnTimePtr when = asn1_time(r.revoked_at);
  crl_check(X509_REVOKED_set_revocationDate(rev.get(), when.get()), "cannot set a revocation date");
  AsnEnumPtr code(ASN1_ENUMERATED_new());
  crl_check(code && ASN1_ENUMERATED_set(code.get(), static_cast<long>(r.reason)),
            "cannot encode a revocation reason");
  crl_check(X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, code.get(), 0, 0),
            "cannot add a revocation reason");
  crl_check(X509_CRL_add0_revoked(crl, rev.get()), "cannot add a CRL entry");
  rev.release();  // owned by the CRL now
}

// The digest the issuer's own certificate was signed with: a CRL follows its
// CA's signing algorithm. None for ED25519 (its hash is built in).
const EVP_MD* crl_digest(X509* issuer_cert) {
  int md_nid = NID_undef;
  if (!X509_get_signature_info(issuer_cert, &md_nid, nullptr, nullptr, nullptr) ||
      md_nid == NID_undef)
    return nullptr;
  return EVP_get_digestbynid(md_nid);
}

}  // namespace

std::string_view revocation_reason_name(RevocationReason r) {
  for (const auto& [reason, name] : kReasons)
    if (reason == r) return name;
  return "unspecified";
}

std::optional<RevocationReason> revocation_reason_from_name(std::string_view name) {
  for (const auto& [reason, n] : kReasons)
    if (n == name) return reason;
  return std::nullopt;
}

CrlPtr make_crl(const CrlRequest& req) {
  CrlPtr crl(X509_CRL_new());
  if (!crl) crl_fail("cannot allocate a CRL");
  crl_check(X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2), "cannot set the CRL version");
  crl_check(X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(req.issuer_cert)),
            "cannot set the CRL issuer");
  crl_check(X509_CRL_set1_lastUpdate(crl.get(), asn1_time(req.this_update).get()),
            "cannot set thisUpdate");
  crl_check(X509_CRL_set1_nextUpdate(crl.get(), asn1_time(req.next_update).get()),
            "cannot set nextUpdate");
  for (const RevokedSerial& r : req.revoked) add_entry(crl.get(), r);
  crl_check(X509_CRL_sort(crl.get()), "cannot sort the CRL");

  AsnIntPtr number(ASN1_INTEGER_new());
  crl_check(number && ASN1_INTEGER_set_uint64(number.get(), req.number),
            "cannot encode the CRL number");
  crl_check(X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0),
            "cannot add the CRL number");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, req.issuer_cert, nullptr, nullptr, crl.get(), 0);
  ExtPtr aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki) crl_fail("cannot make the CRL's authority key identifier");
  crl_check(X509_CRL_add_ext(crl.get(), aki.get(), -1), "cannot add the authority key identifier");

  if (X509_CRL_sign(crl.get(), req.issuer_key, crl_digest(req.issuer_cert)) <= 0)
    crl_fail("cannot sign the CRL");
  return crl;
}

std::string crl_to_pem(X509_CRL* crl) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  crl_check(bio && PEM_write_bio_X509_CRL(bio.get(), crl), "cannot write the CRL as PEM");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string crl_to_der(X509_CRL* crl) {
  unsigned char* der = nullptr;
  int n = i2d_X509_CRL(crl, &der);
  if (n <= 0) crl_fail("cannot write the CRL as DER");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

CrlPtr crl_from_pem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!crl) crl_fail("not a PEM certificate revocation list");
  return crl;
}

void add_crl_distribution_point(X509* cert, const std::string& uri) {
  ExtPtr ext(
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_crl_distribution_points, ("URI:" + uri).c_str()));
  if (!ext) crl_fail("crl.distributionPoint \"" + uri + "\" is not a usable URI");
  crl_check(X509_add_ext(cert, ext.get(), -1), "cannot add the CRL distribution point");
}

}  // namespace keyform::x509
