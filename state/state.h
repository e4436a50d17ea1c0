#pragma once
// The recorded state: what keyform has done, per address. Public data only:
// secret material lives in sealed objects, referenced here by id.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "state/recorded_entries.h"
#include "state/recorded_resource.h"

namespace keyform {

inline constexpr int kStateFormatVersion = 1;

struct State {
  int format_version = kStateFormatVersion;
  std::string lineage;  // set once by init
  uint64_t serial = 0;  // bumped by every recorded change
  // The git commit the last apply carried out (see docs/gitops.md); all
  // empty when none was recorded (config outside git, or never applied).
  std::string git_commit;       // full sha
  std::string git_author;       // "Name <email>"
  int64_t git_commit_time = 0;  // the commit's committer time, unix seconds
  bool git_dirty = false;       // applied with --allow-dirty over uncommitted changes
  // Verifies the root key without revealing it: HMAC-SHA256(root key,
  // "keyform root key check"), hex. Set by init.
  std::string root_key_check;
  // The project seal key (`keyform seal`): the X25519 public half as base64,
  // and the object holding the private half sealed by the root key. Both
  // empty until the first `keyform seal`.
  std::string seal_public_key;
  std::string seal_key_object;
  RecordedEntries resources;  // by address; immutable once published

  const RecordedResource* find(const std::string& address) const { return resources.find(address); }
};

nlohmann::json to_json(const RecordedResource& r);
RecordedResource recorded_from_json(const nlohmann::json& j);  // throws keyform::Error
nlohmann::json to_json(const State& s);
State state_from_json(const nlohmann::json& j);  // throws keyform::Error
State state_from_json(nlohmann::json&& j);       // the same, taking j apart

}  // namespace keyform
