#include "providers/pki/x509_ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "providers/pki/crl.h"
#include "providers/pki/x509_detail.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform::x509 {

using namespace detail;

namespace {

using ExtStackPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION), decltype([](STACK_OF(X509_EXTENSION) * s) {
                      sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free);
                    })>;
using PubkeyPtr = std::unique_ptr<X509_PUBKEY, Deleter<X509_PUBKEY_free>>;
using BasicPtr = std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS_free>>;

std::string basic_constraints(std::optional<int> path_length) {
  std::string basic = "critical,CA:TRUE";
  if (path_length) basic += ",pathlen:" + std::to_string(*path_length);
  return basic;
}

constexpr const char* kCaKeyUsage = "critical,keyCertSign,cRLSign,digitalSignature";

// A subtree whose base is a name of `type` with `value` (IA5 text, or the
// address-and-mask octets of an iPAddress).
void push_subtree(STACK_OF(GENERAL_SUBTREE) * subtrees, int type, const std::string& value) {
  GENERAL_SUBTREE* t = GENERAL_SUBTREE_new();
  ASN1_STRING* s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
  if (!t || !s || !ASN1_STRING_set(s, value.data(), static_cast<int>(value.size()))) {
    GENERAL_SUBTREE_free(t);
    ASN1_STRING_free(s);
    fail("cannot encode a name constraint");
  }
  GENERAL_NAME_set0_value(t->base, type, s);
  if (!sk_GENERAL_SUBTREE_push(subtrees, t)) {
    GENERAL_SUBTREE_free(t);
    fail("cannot encode a name constraint");
  }
}

void add_name_constraints(X509* cert, const NameConstraints& nc) {
  if (nc.empty()) return;
  std::unique_ptr<NAME_CONSTRAINTS, Deleter<NAME_CONSTRAINTS_free>> ext(NAME_CONSTRAINTS_new());
  if (!ext) fail("cannot allocate name constraints");
  auto subtrees = [](STACK_OF(GENERAL_SUBTREE) * *list) {
    if (!*list) *list = sk_GENERAL_SUBTREE_new_null();
    if (!*list) fail("cannot allocate name constraints");
    return *list;
  };
  for (const std::string& d : nc.dns) push_subtree(subtrees(&ext->permittedSubtrees), GEN_DNS, d);
  for (const std::string& e : nc.email)
    push_subtree(subtrees(&ext->permittedSubtrees), GEN_EMAIL, e);
  for (const std::string& u : nc.uri) push_subtree(subtrees(&ext->permittedSubtrees), GEN_URI, u);
  for (const std::string& ip : nc.ip)
    push_subtree(subtrees(&ext->permittedSubtrees), GEN_IPADD, ip);
  if (nc.exclude_all_ip) {
    push_subtree(subtrees(&ext->excludedSubtrees), GEN_IPADD, std::string(8, '\0'));
    push_subtree(subtrees(&ext->excludedSubtrees), GEN_IPADD, std::string(32, '\0'));
  }
  check(X509_add1_ext_i2d(cert, NID_name_constraints, ext.get(), 1, X509V3_ADD_DEFAULT),
        "cannot add the nameConstraints extension");
}

}  // namespace

namespace detail {

void add_ca_profile(X509* cert, X509V3_CTX* ctx, std::optional<int> path_length,
                    const NameConstraints& name_constraints) {
  add_ext(cert, ctx, NID_basic_constraints, basic_constraints(path_length));
  add_ext(cert, ctx, NID_key_usage, kCaKeyUsage);
  add_name_constraints(cert, name_constraints);
  // The SKI goes first: a self-signed certificate's AKI copies it.
  add_ext(cert, ctx, NID_subject_key_identifier, "hash");
  add_ext(cert, ctx, NID_authority_key_identifier, "keyid:always");
}

}  // namespace detail

CertPtr issue_subordinate_ca(const SubordinateCaRequest& req, X509* issuer_cert,
                             EVP_PKEY* issuer_key) {
  CertPtr cert = start_certificate(req.subject, X509_get_subject_name(issuer_cert), req.public_key,
                                   req.validity);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, cert.get(), nullptr, nullptr, 0);
  add_ca_profile(cert.get(), &ctx, req.path_length, req.name_constraints);
  if (!req.crl_distribution_point.empty())
    add_crl_distribution_point(cert.get(), req.crl_distribution_point);
  if (X509_sign(cert.get(), issuer_key, digest_for(issuer_key, req.hash)) <= 0)
    fail("cannot sign the subordinate CA certificate");
  return cert;
}

CsrPtr make_ca_csr(const Subject& subject, EVP_PKEY* key, Hash hash,
                   std::optional<int> path_length) {
  CsrPtr csr(X509_REQ_new());
  if (!csr) fail("cannot allocate a request");
  check(X509_REQ_set_version(csr.get(), X509_REQ_VERSION_1), "cannot set the request version");
  NamePtr name = make_name(subject);
  check(X509_REQ_set_subject_name(csr.get(), name.get()), "cannot set the request subject");
  check(X509_REQ_set_pubkey(csr.get(), key), "cannot set the request key");
  ExtStackPtr exts(sk_X509_EXTENSION_new_null());
  if (!exts) fail("cannot allocate extensions");
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, nullptr, nullptr, csr.get(), nullptr, 0);
  for (auto [nid, value] :
       {std::pair<int, std::string>{NID_basic_constraints, basic_constraints(path_length)},
        {NID_key_usage, kCaKeyUsage},
        {NID_subject_key_identifier, "hash"}}) {
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) fail(std::string("cannot build the ") + OBJ_nid2sn(nid) + " extension");
    sk_X509_EXTENSION_push(exts.get(), ext);
  }
  check(X509_REQ_add_extensions(csr.get(), exts.get()), "cannot add the request extensions");
  if (X509_REQ_sign(csr.get(), key, digest_for(key, hash)) <= 0) fail("cannot sign the request");
  return csr;
}

std::string csr_to_pem(X509_REQ* csr) {
  BioPtr bio = memory_bio();
  check(PEM_write_bio_X509_REQ(bio.get(), csr), "cannot encode the request");
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::vector<CertPtr> certificates_from_pem(std::string_view pem, const std::string& what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) fail("cannot allocate a buffer");
  std::vector<CertPtr> out;
  for (;;) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!cert) break;
    out.emplace_back(cert);
  }
  // The loop ends on "no start line" at the end of the text; any other
  // error means a block that did not parse.
  unsigned long err = ERR_peek_last_error();
  bool at_end = ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
  ERR_clear_error();
  if (!at_end && err != 0) throw Error(what + ": a PEM block is not a valid certificate");
  if (out.empty()) throw Error(what + ": no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  return out;
}

std::string public_key_sha256(EVP_PKEY* key) {
  X509_PUBKEY* raw = nullptr;
  check(X509_PUBKEY_set(&raw, key), "cannot encode the public key");
  PubkeyPtr pub(raw);
  const unsigned char* bits = nullptr;
  int len = 0;
  check(X509_PUBKEY_get0_param(nullptr, &bits, &len, nullptr, pub.get()),
        "cannot read the public key");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  check(EVP_Digest(bits, static_cast<size_t>(len), md, &n, EVP_sha256(), nullptr),
        "cannot hash the public key");
  return hex_encode(md, n);
}

std::string ca_certificate_problem(X509* cert) {
  int crit = 0;
  BasicPtr bc(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(cert, NID_basic_constraints, &crit, nullptr)));
  ERR_clear_error();
  if (!bc || !bc->ca) return "it is not a CA certificate (basicConstraints CA:TRUE is missing)";
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) &&
      !(X509_get_key_usage(cert) & KU_KEY_CERT_SIGN))
    return "its keyUsage lacks keyCertSign";
  return "";
}

std::optional<long> path_length(X509* cert) {
  long n = X509_get_pathlen(cert);
  if (n < 0) return std::nullopt;
  return n;
}

bool signed_by(X509* cert, X509* issuer) {
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  bool ok = key && X509_verify(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

bool self_signed(X509* cert) {
  return X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0 &&
         signed_by(cert, cert);
}

}  // namespace keyform::x509
