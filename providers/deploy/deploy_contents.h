#pragma once
// What each `content` of a DeploymentTarget file is, which source kinds
// provide it, whether it holds secret material, and how it is rendered.
//
//   content      sources                       formats   secret
//   certificate  Certificate, CA               pem, der  no
//   chain        Certificate, CA               pem       no
//   fullchain    Certificate, CA               pem       no
//   privateKey   Certificate                   pem, der  yes
//   combined     Certificate (key+cert+chain)  pem       yes
//   pkcs12       Certificate                   (DER)     yes  (needs passwordFrom)
//   crl          CertificateAuthority          pem, der  no
//   bundle       TrustBundle                   pem       no
//   value        Secret (its CURRENT version)  -         yes
//   field:NAME   Secret (fields, certificate)  -         yes
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "providers/deploy/deployment_target.h"
#include "state/keyring.h"
#include "state/state.h"
#include "util/secret_bytes.h"

namespace keyform {

// Why `f` cannot be deployed from a source of kind `source_kind` (with the
// field it concerns, "content", "format" or "passwordFrom"), or "" when it
// can.
struct ContentProblem {
  std::string field;
  std::string message;
};
std::optional<ContentProblem> check_content(const std::string& source_kind, const DeployedFile& f);

// Contents whose bytes are secret: no digest of them is recorded.
bool is_secret_content(const std::string& content);

struct ContentInputs {
  const RecordedResource& source;
  // The source's issuers, nearest first (the chain).
  std::vector<const RecordedResource*> issuers;
  Keyring* keyring = nullptr;  // null: secret contents cannot be rendered
  // The pkcs12 password named by the file's passwordFrom (the CURRENT
  // version of that Secret); unset: pkcs12 cannot be rendered.
  std::function<SecretBytes(const DeployedFile&)> password;
};

// The bytes of file `f`. Throws keyform::Error (never with secret
// material) when the source lacks what is asked for.
SecretBytes render_content(const DeployedFile& f, const ContentInputs& in);

// The first PEM block of `pem`, decoded to DER (the key keeps its encoding:
// PKCS#8, or PKCS#1/SEC1). Throws when there is none.
SecretBytes pem_to_der(std::string_view pem, const std::string& what);

}  // namespace keyform
