#pragma once
// Whether re-issuing a Certificate keeps its private key, and the reason the
// plan gives. privateKey.rotationPolicy Never keeps the key on renewal and
// on any re-issue that does not change the key itself (names, template,
// issuer replaced, encoding); Always (the default) makes a new key each time.
// A new keyAlgorithm or --replace always makes a new key; a change of
// privateKey.encoding alone keeps the key and re-encodes it.
//
// diff() puts the decision in the action's reasons ("key kept: ..." or
// "new key: ..."), and apply() follows the reason, so a saved plan is
// applied as it was shown.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "providers/action.h"
#include "state/state.h"

namespace keyform::pki {

inline constexpr std::string_view kKeyKept = "key kept: ";
inline constexpr std::string_view kNewKey = "new key: ";

// The reason to add to a renew or replace of a recorded certificate.
std::string key_choice_reason(const nlohmann::json& spec, const RecordedResource& recorded,
                              const std::vector<std::string>& changed_fields,
                              bool replace_requested);

// Whether apply keeps the recorded key: the action's reasons say so, or
// (an action without reasons, as tests make) a renew with rotationPolicy
// Never.
bool keeps_key(const Action& action, const nlohmann::json& spec);

// Whether the only spec change is privateKey.rotationPolicy, which changes
// nothing until the next re-issue: recorded in place.
bool only_rotation_policy_changed(const nlohmann::json& spec, const RecordedResource& recorded,
                                  const std::vector<std::string>& changed_fields);

}  // namespace keyform::pki
