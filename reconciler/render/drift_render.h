#pragma once
// Drift reports as text (for people), JSON (for machines; format documented
// in docs/drift-format.md) and markdown (for an issue or a chat message from
// a scheduled job).
#include <nlohmann/json.hpp>
#include <string>

#include "reconciler/drift.h"
#include "reconciler/render/style.h"

namespace keyform {

std::string render_drift_text(const DriftReport& report, const Style& style);
nlohmann::json render_drift_json(const DriftReport& report);
std::string render_drift_markdown(const DriftReport& report);
// "Drift: 1 modified, 0 deleted, 6 in sync, 0 not checked."
std::string drift_summary(const DriftReport& report);
// "4 not checked: no root key available (4). ..." naming why, and that
// `drift --strict` fails on them; "" when everything was checked.
std::string not_checked_summary(const DriftReport& report);

}  // namespace keyform
