#pragma once
// CA certificates signed by another CA, certificate signing requests for a
// CA whose parent is outside keyform, and the checks `ca install` and import
// make on a certificate brought from elsewhere.
#include <openssl/x509.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "providers/pki/x509.h"

namespace keyform::x509 {

using CsrPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;

struct SubordinateCaRequest {
  Subject subject;
  EVP_PKEY* public_key = nullptr;  // the subordinate's key
  Hash hash = Hash::kSha256;       // the parent signs with it (unused for ED25519)
  std::optional<int> path_length;
  Validity validity;
  // The parent's CRL, where relying parties check this CA (none if empty).
  std::string crl_distribution_point;
  NameConstraints name_constraints;
};
// Signed by issuer_key, named after issuer_cert: basicConstraints critical
// CA:TRUE (pathlen if set); keyUsage critical keyCertSign, cRLSign,
// digitalSignature; SKI; AKI from the issuer. The same profile as a root.
CertPtr issue_subordinate_ca(const SubordinateCaRequest& req, X509* issuer_cert,
                             EVP_PKEY* issuer_key);

// A PKCS#10 request for a CA: the subject, the key, and the extensions the
// CA certificate should carry (basicConstraints CA:TRUE with pathlen,
// keyUsage), signed with the key.
CsrPtr make_ca_csr(const Subject& subject, EVP_PKEY* key, Hash hash,
                   std::optional<int> path_length);
std::string csr_to_pem(X509_REQ* csr);

// Every certificate in a PEM text, in order; throws when there is none or
// one does not parse.
std::vector<CertPtr> certificates_from_pem(std::string_view pem, const std::string& what);

// SHA-256 of the public key as public_key_sha256(X509*) computes it, from a
// key alone (a CA waiting for its certificate has no certificate yet).
std::string public_key_sha256(EVP_PKEY* key);

// Why `cert` cannot serve as a CA certificate ("" when it can): it must have
// basicConstraints CA:TRUE and, when keyUsage is present, keyCertSign.
std::string ca_certificate_problem(X509* cert);
// The pathLenConstraint of a CA certificate; nullopt when unlimited.
std::optional<long> path_length(X509* cert);
// Whether `issuer`'s key verifies `cert`'s signature.
bool signed_by(X509* cert, X509* issuer);
bool self_signed(X509* cert);

}  // namespace keyform::x509
