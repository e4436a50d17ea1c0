#include "providers/secrets/secret_read.h"

#include <algorithm>

#include "providers/provider.h"
#include "providers/secrets/secret_versions.h"
#include "util/error.h"

namespace keyform::secrets {

SecretBytes value_field(const SecretBytes& value, const std::string& field,
                        const std::string& address) {
  nlohmann::json j = nlohmann::json::parse(value.view(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw Error(address + " has a single value, not fields: omit --field");
  auto it = j.find(field);
  SecretBytes out;
  if (it != j.end() && it->is_string()) out = SecretBytes(it->get_ref<const std::string&>());
  std::vector<std::string> names;
  for (auto& [name, v] : j.items()) {
    names.push_back(name);
    if (v.is_string()) {
      std::string& s = v.get_ref<std::string&>();
      std::fill(s.begin(), s.end(), '\0');
    }
  }
  if (it == j.end() || !it->is_string()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error(address + " has no field " + field + " (its fields: " + list + ")");
  }
  return out;
}

SecretBytes read_secret_version(const RecordedResource& secret, Keyring& keyring,
                                const VersionSelector& which) {
  const std::string address = secret.address();
  if (secret.kind != "Secret") throw Error(address + " is not a Secret");
  if (secret.attributes.contains("deleted_unix"))
    throw Error(address +
                " is scheduled for deletion and cannot be read; put it back in the "
                "configuration and apply to restore it");
  const nlohmann::json* version = nullptr;
  if (!which.version_id.empty()) {
    version = find_version(secret.attributes, which.version_id);
    if (!version) throw Error(address + " has no version " + which.version_id);
  } else {
    version = version_with_stage(secret.attributes, which.stage);
    if (!version) throw Error(address + " has no version labelled " + which.stage);
  }
  const std::string id = version->value("id", "");
  SecretBytes value =
      keyring.open(object_id(secret, version_role(id)), version_context(address, id));
  if (which.field.empty()) return value;
  return value_field(value, which.field, address);
}

SecretBytes read_secret_version(const State& state, const std::string& address, Keyring& keyring,
                                const VersionSelector& which) {
  const RecordedResource* secret = state.find(address);
  if (!secret) throw Error(address + " is not in the state");
  for (const std::string& dep : secret->dependencies) {
    const RecordedResource* kms = state.find(dep);
    if (kms && kms->kind == "KmsKey" && !kms->attributes.value("enabled", true))
      throw Error(dep + " is disabled: it cannot decrypt " + address +
                  "; set enabled: true and apply to read it again");
  }
  return read_secret_version(*secret, keyring, which);
}

SelectedVersion selected_version(const RecordedResource* secret, const VersionSelector& which) {
  SelectedVersion out{which.version_id, which.stage};
  if (!secret) return out;
  if (out.id.empty()) {
    if (const nlohmann::json* v = version_with_stage(secret->attributes, which.stage))
      out.id = v->value("id", "");
  } else if (const nlohmann::json* v = find_version(secret->attributes, out.id)) {
    const nlohmann::json stages = v->value("stages", nlohmann::json::array());
    out.stage = stages.empty() ? "" : stages[0].get<std::string>();
  }
  return out;
}

}  // namespace keyform::secrets
