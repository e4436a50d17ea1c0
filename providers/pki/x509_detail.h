#pragma once
// Building blocks x509.cc shares with the other x509_*.cc files (CA
// certificates, CSRs). Not for use outside providers/pki/x509*.cc.
#include <openssl/bio.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>

#include "providers/pki/x509.h"

namespace keyform::x509::detail {

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

// Throws keyform::Error with `what` and OpenSSL's reason; clears the queue.
[[noreturn]] void fail(const std::string& what);
void check(int ok, const char* what);
// The digest to sign with: null (pure EdDSA) for an ED25519 signer.
const EVP_MD* digest_for(EVP_PKEY* signer, Hash hash);
NamePtr make_name(const Subject& s);
// A v3 certificate with a random serial, validity, subject, issuer (the
// subject itself when null) and public key; no extensions yet.
CertPtr start_certificate(const Subject& subject, X509_NAME* issuer, EVP_PKEY* public_key,
                          const Validity& v);
// Adds an extension in openssl.cnf syntax ("critical,CA:TRUE").
void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value);
BioPtr memory_bio();
// The extensions every CA certificate carries (x509_ca.cc): basicConstraints
// critical CA:TRUE (pathlen if set), keyUsage critical keyCertSign, cRLSign,
// digitalSignature, SKI, AKI.
void add_ca_profile(X509* cert, X509V3_CTX* ctx, std::optional<int> path_length,
                    const NameConstraints& name_constraints);

}  // namespace keyform::x509::detail
