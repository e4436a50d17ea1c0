// keyform plan: what apply would do, and why. Reads the state, writes nothing.
#include <filesystem>
#include <iostream>

#include "reconciler/cli/apply_commit.h"
#include "reconciler/cli/commands.h"
#include "reconciler/render/plan_markdown.h"
#include "reconciler/render/plan_render.h"
#include "reconciler/saved_plan.h"
#include "util/error.h"
#include "util/nearest.h"

namespace keyform::cli {

void add_plan_flags(CLI::App* cmd, PlanFlags* flags, bool with_at) {
  if (with_at)
    cmd->add_option("--at", flags->at,
                    "Plan as if it were this time (RFC 3339): previews renewals");
  cmd->add_option("--target", flags->targets,
                  "Plan only this address and what it depends on (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--replace", flags->replace, "Force replacement of this address (repeatable)")
      ->allow_extra_args(false);
}

namespace {

// An address given to --target or --replace that names nothing is an error
// with the nearest address of the configuration or the state, so a typo
// does not become a plan of nothing.
void check_addresses(const std::vector<std::string>& addresses, const char* flag,
                     const Config& config, const State& state) {
  for (const std::string& a : addresses) {
    if (config.find(a) || state.find(a)) continue;
    std::vector<std::string> known;
    for (const Resource& r : config.resources) known.push_back(r.address());
    for (const auto& [address, recorded] : state.resources) known.push_back(address);
    throw Error(std::string(flag) + " " + a +
                ": no such resource in the configuration or the state" + did_you_mean(a, known));
  }
}

PlanOptions plan_options_for(Workspace& ws, const State& state, const PlanFlags& flags) {
  check_addresses(flags.targets, "--target", ws.config(), state);
  check_addresses(flags.replace, "--replace", ws.config(), state);
  PlanOptions options;
  options.now = ws.now();
  if (!flags.at.empty()) {
    auto t = parse_rfc3339(flags.at);
    if (!t)
      throw Error("--at: expected an RFC 3339 time like 2027-06-01T00:00:00Z (got \"" + flags.at +
                  "\")");
    options.now = *t;
  }
  options.targets = flags.targets;
  options.replace = flags.replace;
  options.observed = flags.observed;  // apply's drift repair
  return options;
}

}  // namespace

Plan make_plan_for(Workspace& ws, const State& state, const PlanFlags& flags) {
  return make_plan(ws.config(), state, ws.graph(), builtin_providers(),
                   plan_options_for(ws, state, flags));
}

namespace {

struct PlanCommand {
  PlanFlags flags;
  bool json = false;
  bool markdown = false;
  bool detailed_exitcode = false;
  std::string out;  // -o FILE: save the plan for `keyform apply FILE`
};

int run_plan(const GlobalOptions& global, const PlanCommand& opts) {
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "plan");
  PlanOptions options = plan_options_for(ws, loaded.state(), opts.flags);
  Plan plan = make_plan(ws.config(), loaded.state(), ws.graph(), builtin_providers(), options);
  if (opts.json)
    std::cout << render_plan_json(plan, &ws.config(), &loaded.state()).dump(2) << "\n";
  else if (opts.markdown)
    std::cout << render_plan_markdown(plan);
  else
    std::cout << render_plan_text(plan, ws.style());
  if (!opts.out.empty()) {
    if (!plan.errors.empty()) {
      std::cerr << "keyform: the plan has errors; no plan file was written\n";
    } else {
      std::filesystem::path file = std::filesystem::absolute(opts.out);
      SavedPlan saved = make_saved_plan(plan, ws.config(), options);
      if (auto c = config_commit(ws.origin(), backend_dir_in_config(ws))) {
        saved.commit = c->commit.sha;
        saved.commit_dirty = c->dirty;
      }
      write_saved_plan(file, saved);
      // stderr, so that stdout stays the plan alone (--json, --markdown).
      std::cerr << "Saved the plan to " << opts.out
                << ". Apply exactly it with: " << keyform_command(global) << " apply "
                << shell_word(opts.out) << "\n";
    }
  }
  if (!plan.errors.empty()) return kExitError;
  if (opts.detailed_exitcode && plan.has_changes()) return kExitChanges;
  return kExitOk;
}

}  // namespace

void register_plan(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<PlanCommand>();
  CLI::App* cmd =
      app.add_subcommand("plan", "Show what apply would do, with the reason for each action");
  add_plan_flags(cmd, &opts->flags, /*with_at=*/true);
  CLI::Option* json =
      cmd->add_flag("--json", opts->json, "Print the plan as JSON (format: docs/plan-format.md)");
  cmd->add_flag("--markdown", opts->markdown, "Print the plan as markdown for a pull request")
      ->excludes(json);
  // A plan made at another time (--at) is a preview, not something to apply.
  cmd->add_option("-o,--out", opts->out,
                  "Also save the plan to this file (mode 0600) for `keyform apply FILE`")
      ->excludes("--at");
  cmd->add_flag("--detailed-exitcode", opts->detailed_exitcode,
                "Exit 0 when there are no changes, 2 when there are, 1 on error");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_plan(global, *opts); }; });
}

}  // namespace keyform::cli
