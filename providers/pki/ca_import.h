#pragma once
// Importing an existing CA: `spec.import` names PEM files (relative to the
// directory of keyform.yaml) holding its certificate, its private key and,
// for a CA signed by a parent outside keyform, the chain above it:
//
//   import: {certificate: ca/root.crt, privateKey: ca/root.key, chain: ca/chain.pem}
//
// The key file is read once, when the CA is created (or replaced), checked
// against the certificate and sealed like a generated key; keyform never
// writes, moves or deletes the files and never reads the key again.
#include <string>

#include "providers/pki/x509.h"
#include "providers/provider.h"
#include "reconciler/config/resource.h"

namespace keyform::pki {

struct ImportedCa {
  x509::PkeyPtr key;
  x509::CertPtr cert;
  std::string chain_pem;      // the certificates above it, "" for a root
  std::string key_algorithm;  // as the schema names it: "EC_prime256v1", ...
};

// Reads and checks the files; throws keyform::Error naming the file and what
// is wrong (never key bytes): the key must open without a passphrase, be one
// of keyform's key algorithms (and the spec's keyAlgorithm when set), match
// the certificate; the certificate must be a CA valid at `now`,
// self-signed for type root, signed by the chain's first certificate
// otherwise.
ImportedCa read_imported_ca(const Config& config, const Resource& ca, UnixTime now);

// What validate can check without the key: the certificate file, when it
// exists (a missing one is apply's error, and only if the CA must be
// created), parses, is a CA, and is self-signed for type root. The key is
// not read here: it is read once, by apply.
void validate_import(const Resource& ca, const Config& config, const DiagnosticSink& error);

// The schema name of a key's algorithm, "" when keyform does not support it.
std::string key_algorithm_name(EVP_PKEY* key);

}  // namespace keyform::pki
