#pragma once
// One recorded entry: what keyform did for one address. Public data only:
// secret material lives in sealed objects, referenced here by id.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keyform {

struct RecordedResource {
  std::string kind;
  std::string name;
  // sha256 over the canonical JSON of what the config said (spec and the
  // envelope fields), and one digest per field, so a plan can say which field
  // changed without keeping the values.
  std::string spec_digest;
  std::map<std::string, std::string> field_digests;  // "spec.dnsNames" -> hex
  bool deletion_protection = false;
  // Public attributes the provider recorded: serial numbers, fingerprints,
  // not-before/not-after, certificate PEM, key version ids, deployed paths.
  nlohmann::json attributes = nlohmann::json::object();
  // role -> object id in the object store ("privateKey" -> "3f2a...").
  std::map<std::string, std::string> objects;
  std::vector<std::string> dependencies;  // addresses, sorted
  std::string last_action_id;
  int64_t updated_at = 0;  // unix seconds

  std::string address() const { return kind + "/" + name; }
};

}  // namespace keyform
