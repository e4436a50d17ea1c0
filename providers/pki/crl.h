#pragma once
// Certificate revocation lists (RFC 5280 section 5): a CA's signed list of
// the serials it revoked, and the CRL Distribution Points extension that
// tells relying parties where to fetch it.
//
// Times are passed in; nothing here reads the clock.
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/pki/x509.h"

namespace keyform::x509 {

using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;

// The CRLReason codes keyform records (RFC 5280 5.3.1), by their RFC names.
enum class RevocationReason {
  kUnspecified = 0,
  kKeyCompromise = 1,
  kSuperseded = 4,
  kCessationOfOperation = 5,
};
std::string_view revocation_reason_name(RevocationReason r);  // "superseded"
std::optional<RevocationReason> revocation_reason_from_name(std::string_view name);

struct RevokedSerial {
  std::string serial_hex;  // as serial_hex() prints it
  UnixTime revoked_at = 0;
  RevocationReason reason = RevocationReason::kUnspecified;
};

struct CrlRequest {
  X509* issuer_cert = nullptr;  // names the issuer; its key identifier becomes the AKI
  EVP_PKEY* issuer_key = nullptr;
  uint64_t number = 1;  // cRLNumber: strictly increasing per CA
  UnixTime this_update = 0;
  UnixTime next_update = 0;
  std::vector<RevokedSerial> revoked;
};
// A v2 CRL with cRLNumber and authorityKeyIdentifier, each entry with its
// reasonCode, signed with the digest of the issuer certificate's own
// signature (none for ED25519).
CrlPtr make_crl(const CrlRequest& req);

std::string crl_to_pem(X509_CRL* crl);
std::string crl_to_der(X509_CRL* crl);
CrlPtr crl_from_pem(std::string_view pem);

// Adds a CRL Distribution Points extension with one URI to a certificate
// that is still to be signed.
void add_crl_distribution_point(X509* cert, const std::string& uri);

}  // namespace keyform::x509
