#pragma once
// The certificate request of a host whose key never leaves it
// (privateKey.generatedOn: host, docs/fleet.md). The certificate's names come
// from the Certificate's spec, never from the request: a request may leave
// its subject and subjectAltName empty, or repeat the spec's exactly; one
// asking for anything else, or naming another agent, is refused. Other
// requested extensions are ignored (the spec's template decides usage).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <optional>
#include <string>
#include <string_view>

#include "fleet/identity.h"
#include "providers/pki/x509_ca.h"
#include "reconciler/config/resource.h"

namespace keyform::fleet {

// What the agent sends: an empty subject, no extensions, signed with `key`.
x509::CsrPtr make_host_csr(EVP_PKEY* key);

// Parses a PEM request and checks its self-signature (the sender holds the
// key). Throws keyform::Error saying what is wrong, never quoting the input.
x509::CsrPtr parse_signed_csr(std::string_view pem);

struct CsrRefusal {
  int status;        // 400 or 403
  std::string code;  // wrong_key_algorithm, csr_names_mismatch, csr_identity_mismatch
  std::string message;
};

// Why `csr` cannot be issued as `certificate` (a Certificate resource) to
// agent `who`, or nullopt when it can: its key must be of the spec's
// keyAlgorithm; a keyform:// URI naming another agent is 403
// csr_identity_mismatch; a subject or names other than the spec's are 400
// csr_names_mismatch.
std::optional<CsrRefusal> check_host_csr(X509_REQ* csr, const Resource& certificate,
                                         const AgentIdentity& who);

// "EC_prime256v1", "RSA_2048", "ED25519", ... as the schema spells them;
// "" for another kind of key.
std::string key_algorithm_name(EVP_PKEY* key);

}  // namespace keyform::fleet
