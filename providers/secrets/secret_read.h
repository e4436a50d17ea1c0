#pragma once
// Reading one version of a recorded Secret: the single path every reader
// takes (`keyform secret get`, deployments of `value` / `field:NAME`), so
// audit and policy checks hook in at one call.
#include <string>

#include "state/keyring.h"
#include "state/state.h"
#include "util/secret_bytes.h"

namespace keyform::secrets {

struct VersionSelector {
  std::string stage = "CURRENT";  // CURRENT, PENDING or PREVIOUS; ignored when version_id is set
  std::string version_id;         // a version id from `keyform secret versions`
  std::string field;              // one member of a fields/certificate value; "" for the whole
};

// The version id and stage `which` selects in the recorded Secret (for the
// audit record and the secret:VersionStage condition): the version id as
// given or found by stage, and the stage as given or the version's first.
// Empty parts when the Secret or the version is not recorded.
struct SelectedVersion {
  std::string id;
  std::string stage;
};
SelectedVersion selected_version(const RecordedResource* secret, const VersionSelector& which);

// Opens the selected version of the Secret at `address` in `state`.
// Throws keyform::Error, naming the address, stage, version or field but
// never the value, when: the address is not a recorded Secret, it is
// scheduled for deletion, no version matches, its KmsKey is disabled, the
// object fails authentication, or the field does not exist.
SecretBytes read_secret_version(const State& state, const std::string& address, Keyring& keyring,
                                const VersionSelector& which);

// The same for a recorded entry already in hand (no KmsKey check: the
// caller's keyring refuses disabled keys).
SecretBytes read_secret_version(const RecordedResource& secret, Keyring& keyring,
                                const VersionSelector& which);

// One member of a JSON-object value, as bytes. Throws naming the field
// when the value is not an object or has no such member.
SecretBytes value_field(const SecretBytes& value, const std::string& field,
                        const std::string& address);

}  // namespace keyform::secrets
