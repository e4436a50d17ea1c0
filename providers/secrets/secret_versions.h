#pragma once
// A recorded Secret's versions and staging labels (public attributes only:
// values live in sealed objects).
//
// Recorded shape:
//   attributes {source, strategy,
//               versions: [{id, created, created_unix, stages: ["CURRENT"],
//                           username?}],      // username: postgres strategies
//               last_rotated, last_rotated_unix,  // when CURRENT was made
//               fields?: [names],                 // a fields value's names
//               certificate_serial?,              // a certificate value's source
//               rotation?: {version, step, started}, // only mid-rotation
//               postgres?: {env, role}}
//   objects    {"version/<id>": sealed value}
// A version's value is sealed under the context "<address>#version/<id>".
// Only labelled versions are kept: a version that loses its last label is
// dropped with its object.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "state/state.h"

namespace keyform::secrets {

inline constexpr std::string_view kCurrent = "CURRENT";
inline constexpr std::string_view kPending = "PENDING";
inline constexpr std::string_view kPrevious = "PREVIOUS";

// The sealing context of a version's value.
std::string version_context(const std::string& address, const std::string& version_id);
// The object role of a version's value: "version/<id>".
std::string version_role(const std::string& version_id);

// The version holding `stage`, or null.
const nlohmann::json* version_with_stage(const nlohmann::json& attributes, std::string_view stage);
// The version with id `id`, or null.
nlohmann::json* find_version(nlohmann::json& attributes, const std::string& id);
const nlohmann::json* find_version(const nlohmann::json& attributes, const std::string& id);

// Moves `stage` to version `id` (taking it from whichever version had it).
void move_stage(nlohmann::json& attributes, std::string_view stage, const std::string& id);

// Drops versions left with no label, and their objects.
void drop_unlabelled(RecordedResource& rec);

}  // namespace keyform::secrets
