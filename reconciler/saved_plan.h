#pragma once
// Saved plans (`keyform plan -o FILE`, `keyform apply FILE`): a plan written
// down with what it was made from, so that applying it later carries out
// exactly what was reviewed or nothing at all. The format is documented in
// docs/plan-format.md ("Saved plans"). A saved plan holds no secret
// material: a plan has none to hold.
#include <filesystem>
#include <string>
#include <string_view>

#include "reconciler/config/resource.h"
#include "reconciler/plan.h"
#include "state/state.h"

namespace keyform {

// The version of the saved-plan envelope; the plan inside carries its own
// format_version (kPlanFormatVersion).
inline constexpr int kSavedPlanFormatVersion = 1;

struct SavedPlan {
  Plan plan;                         // lineage, serial and now are the plan's own
  std::string config_digest;         // config_digest() of the config it was made from
  std::string commit;                // the config's git commit (sha); empty outside git
  bool commit_dirty = false;         // the working tree differed from `commit`
  std::vector<std::string> targets;  // --target
  std::vector<std::string> replace;  // --replace

  // The options that re-make this plan: the saved flags and the saved clock.
  PlanOptions options() const;
};

// A digest of everything in the configuration that a plan reads: the
// project's fields and every resource's digest_resource(), in address order.
// Equal digests mean an equal configuration, whatever its file layout.
std::string config_digest(const Config& config);

SavedPlan make_saved_plan(const Plan& plan, const Config& config, const PlanOptions& options);

std::string serialize_saved_plan(const SavedPlan& saved);
// Throws keyform::Error naming `what` (the file) when the text is not a saved
// plan, is malformed, or was written by a newer keyform.
SavedPlan parse_saved_plan(std::string_view text, const std::string& what);

// Durable, mode 0600. Throws.
void write_saved_plan(const std::filesystem::path& path, const SavedPlan& saved);
SavedPlan read_saved_plan(const std::filesystem::path& path);

// Throws keyform::Error ("saved plan is stale: ...") unless `state` and
// `config` are the ones the plan was made from: same lineage, same serial,
// same configuration digest.
void check_saved_plan_current(const SavedPlan& saved, const State& state, const Config& config);

// Throws keyform::Error ("saved plan is stale: ...") unless `commit` (the
// config's commit now, empty outside git) is the one the plan was made from.
void check_saved_plan_commit(const SavedPlan& saved, const std::string& commit);

// Throws keyform::Error unless `remade` (the plan made again from the same
// inputs) holds the same actions as `saved`, in the same order: address,
// type and id. A difference means the file was edited or keyform's planner
// changed; either way the saved plan is not what would run.
void check_same_actions(const Plan& saved, const Plan& remade);

}  // namespace keyform
