#include "providers/action.h"

#include <array>
#include <utility>

namespace keyform {

namespace {
constexpr std::array<std::pair<ActionType, std::string_view>, 11> kNames = {{
    {ActionType::kNoOp, "no-op"},
    {ActionType::kCreate, "create"},
    {ActionType::kUpdate, "update"},
    {ActionType::kReplace, "replace"},
    {ActionType::kRenew, "renew"},
    {ActionType::kRotate, "rotate"},
    {ActionType::kShare, "share"},
    {ActionType::kDeploy, "deploy"},
    {ActionType::kRevoke, "revoke"},
    {ActionType::kDelete, "delete"},
    {ActionType::kRepair, "repair"},
}};
}  // namespace

std::string_view action_name(ActionType t) {
  for (const auto& [type, name] : kNames)
    if (type == t) return name;
  return "unknown";
}

std::optional<ActionType> action_from_name(std::string_view name) {
  for (const auto& [type, n] : kNames)
    if (n == name) return type;
  return std::nullopt;
}

bool changes_outputs(ActionType t) {
  switch (t) {
    case ActionType::kCreate:
    case ActionType::kReplace:
    case ActionType::kRenew:
    case ActionType::kRotate:
    case ActionType::kDeploy:
    case ActionType::kRepair:
      return true;
    default:
      return false;
  }
}

}  // namespace keyform
