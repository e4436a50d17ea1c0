#pragma once
// Plans as text (for people), JSON (for machines; format documented in
// docs/plan-format.md) and markdown (for pull-request comments).
#include <nlohmann/json.hpp>
#include <string>

#include "reconciler/plan.h"
#include "reconciler/render/style.h"

namespace keyform {

std::string render_plan_text(const Plan& plan, const Style& style);
// With the config and the state the plan was made from, each action also
// carries "change": {"before": what the state records, "after": what the
// config asks for} (docs/plan-format.md); without them, no "change".
nlohmann::json render_plan_json(const Plan& plan, const Config* config = nullptr,
                                const State* state = nullptr);
// "Plan: 2 to create, 1 to renew, 0 to delete." (no-ops not counted)
std::string plan_summary(const Plan& plan);
// The symbol shown before an action: "+", "~", "-/+", "-".
std::string_view action_symbol(ActionType t);

}  // namespace keyform
