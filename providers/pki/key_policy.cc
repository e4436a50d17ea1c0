#include "providers/pki/key_policy.h"

#include <algorithm>

#include "providers/pki/pki_spec.h"

namespace keyform::pki {

namespace {

std::string policy(const nlohmann::json& spec) {
  return string_field(spec.value("privateKey", nlohmann::json::object()), "rotationPolicy",
                      "Always");
}

std::string encoding(const nlohmann::json& spec) {
  return string_field(spec.value("privateKey", nlohmann::json::object()), "encoding", "PKCS8");
}

bool only_spec_change_is_private_key(const std::vector<std::string>& changed_fields) {
  return std::none_of(changed_fields.begin(), changed_fields.end(), [](const std::string& f) {
    return f.starts_with("spec.") && f != "spec.privateKey" && f != "spec.renewBefore" &&
           f != "spec.renewBeforePercentage";
  });
}

}  // namespace

std::string key_choice_reason(const nlohmann::json& spec, const RecordedResource& recorded,
                              const std::vector<std::string>& changed_fields,
                              bool replace_requested) {
  const std::string algorithm = string_field(spec, "keyAlgorithm", "EC_prime256v1");
  if (replace_requested) return std::string(kNewKey) + "--replace asks for one";
  if (!recorded.objects.count("privateKey")) return std::string(kNewKey) + "none is recorded";
  if (recorded.attributes.value("key_algorithm", algorithm) != algorithm)
    return std::string(kNewKey) + "keyAlgorithm is now " + algorithm;
  const std::string enc = encoding(spec);
  const bool reencode = recorded.attributes.value("private_key_encoding", enc) != enc;
  if (policy(spec) == "Never")
    return std::string(kKeyKept) + "privateKey.rotationPolicy: Never" +
           (reencode ? ", re-encoded as " + enc : "");
  if (reencode && only_spec_change_is_private_key(changed_fields))
    return std::string(kKeyKept) + "only privateKey.encoding changed, re-encoded as " + enc;
  return std::string(kNewKey) + "privateKey.rotationPolicy: Always";
}

bool keeps_key(const Action& action, const nlohmann::json& spec) {
  for (const std::string& r : action.reasons) {
    if (r.starts_with(kKeyKept)) return true;
    if (r.starts_with(kNewKey)) return false;
  }
  return action.type == ActionType::kRenew && policy(spec) == "Never";
}

bool only_rotation_policy_changed(const nlohmann::json& spec, const RecordedResource& recorded,
                                  const std::vector<std::string>& changed_fields) {
  return std::count(changed_fields.begin(), changed_fields.end(), "spec.privateKey") == 1 &&
         only_spec_change_is_private_key(changed_fields) &&
         recorded.attributes.value("private_key_encoding", std::string("PKCS8")) == encoding(spec);
}

}  // namespace keyform::pki
