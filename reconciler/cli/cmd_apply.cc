// keyform apply: plans, asks, and carries the plan out under the lock.
#include <iomanip>
#include <iostream>

#include "providers/file_system.h"
#include "reconciler/cli/apply_commit.h"
#include "reconciler/cli/audit_trail.h"
#include "reconciler/cli/commands.h"
#include "reconciler/cli/rehearsal_guard.h"
#include "reconciler/drift.h"
#include "reconciler/executor.h"
#include "reconciler/render/plan_render.h"
#include "reconciler/saved_plan.h"
#include "state/keyring.h"
#include "state/state_writer.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct ApplyCommand {
  PlanFlags flags;
  bool auto_approve = false;
  std::string plan_file;  // PLANFILE: apply this saved plan
  CommitChecks checks;    // --allow-dirty, --allow-rollback
};

std::string progressive(ActionType t) {
  std::string v(action_name(t));
  return (v.back() == 'e' ? v.substr(0, v.size() - 1) : v) + "ing";
}

std::string past(ActionType t) {
  std::string v(action_name(t));
  return v + (v.back() == 'e' ? "d" : "ed");
}

// Prints each action as it starts and ends.
class ProgressPrinter : public ExecutionObserver {
 public:
  explicit ProgressPrinter(Style style) : style_(style) {}
  void started(const Action& a) override {
    std::cout << style_.bold(a.address) << ": " << progressive(a.type) << "...\n" << std::flush;
  }
  void finished(const Action& a, const RecordedResource* entry,
                std::chrono::milliseconds took) override {
    std::cout << style_.bold(a.address) << ": " << style_.green(past(a.type)) << " in "
              << std::fixed << std::setprecision(2) << took.count() / 1000.0 << "s";
    if (entry && a.type == ActionType::kRevoke) {
      std::cout << " (" << a.revocations.size() << " revoked";
      if (auto crl = entry->attributes.find("crl"); crl != entry->attributes.end())
        std::cout << ", CRL number " << crl->value("number", uint64_t{0});
      std::cout << ")";
    } else if (entry && entry->attributes.contains("serial"))
      std::cout << " (serial " << entry->attributes["serial"].get<std::string>() << ", expires "
                << entry->attributes.value("not_after", "?") << ")";
    if (entry && entry->attributes.contains("purge_after"))
      std::cout << " (pending deletion; purged after "
                << entry->attributes["purge_after"].get<std::string>() << ")";
    std::cout << "\n" << std::flush;
  }
  void failed(const Action& a, const std::string& error) override {
    std::cout << std::flush;
    std::cerr << style_.bold(a.address) << ": "
              << style_.red(std::string(action_name(a.type)) + " failed: ") << error << "\n"
              << std::flush;
  }
  void warning(const std::string& message) override {
    std::cerr << style_.yellow("Warning: ") << message << "\n";
  }
  void skipped(const Action& a, const std::string& because) override {
    std::cout << style_.bold(a.address) << ": " << style_.yellow("skipped") << " (" << because
              << " failed)\n"
              << std::flush;
  }

 private:
  Style style_;
};

// Actions an earlier run started and never finished were reported when the
// state loaded, and this plan covers them again: close their intents so the
// warning is not repeated by every later run.
void close_interrupted(Backend& backend, LoadResult& loaded, UnixTime now) {
  std::vector<JournalRecord> closing;
  for (const JournalRecord& intent : loaded.unfinished) {
    JournalRecord r;
    r.type = JournalRecord::Type::kFailed;
    r.action_id = intent.action_id;
    r.address = intent.address;
    r.error = "interrupted: the run that started it stopped before it finished";
    r.time = now;
    closing.push_back(std::move(r));
  }
  StateWriter(backend, loaded.state).log_and_apply(closing);
}

bool confirmed() {
  std::cout << "\nDo you want to perform these actions? Only 'yes' will be accepted: "
            << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "yes";
}

// Runs an approved plan made from loaded.state() and reports the outcome.
// When every action succeeded, records the commit the config came from.
int carry_out(Workspace& ws, Workspace::LoadedState& loaded, const Plan& plan, Keyring& keyring,
              const std::optional<AppliedCommit>& applied) {
  Backend& backend = ws.backend();
  State& state = loaded.state();
  close_interrupted(backend, loaded.loaded, plan.now);
  PosixFileSystem files;
  keyring.set_key_states(state);
  ExecutionEnv env{ws.config(), ws.graph(), builtin_providers(), backend, keyring, files};
  env.now = plan.now;
  env.parallelism = ws.parallelism();
  env.journal_records = loaded.loaded.journal_records;
  ProgressPrinter printer(ws.style());
  AuditingObserver audit(backend, printer, ws.config());
  ExecutionResult result = execute(plan, state, env, audit);
  audit.flush();
  std::cout << "\n"
            << ws.style().bold(result.ok() ? "Apply complete." : "Apply failed.") << " "
            << result.succeeded << " succeeded, " << result.failed << " failed, " << result.skipped
            << " skipped. State serial " << state.serial << ".\n";
  if (!result.ok()) return kExitError;
  record_commit(ws, state, applied, plan.now);
  return kExitOk;
}

// `keyform apply PLANFILE`: the saved plan is the approval, so nothing is
// asked; it runs only if the state and the config are still the ones it was
// made from and planning again with its options and clock gives the same
// actions. Otherwise nothing changes.
int run_apply_saved(const GlobalOptions& global, const ApplyCommand& opts) {
  if (!opts.flags.targets.empty() || !opts.flags.replace.empty())
    throw Error(
        "--target and --replace cannot be given with a saved plan: it keeps the ones it was "
        "made with");
  SavedPlan saved = read_saved_plan(opts.plan_file);  // a bad file fails before the lock
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kExclusive, "apply");
  State& state = loaded.state();
  check_saved_plan_current(saved, state, ws.config());
  const std::optional<AppliedCommit> applied = checked_commit(ws, state, opts.checks);
  check_saved_plan_commit(saved, applied ? applied->commit.sha : "");
  Plan plan = make_plan(ws.config(), state, ws.graph(), builtin_providers(), saved.options());
  check_same_actions(saved.plan, plan);
  std::cout << "Applying the saved plan " << opts.plan_file << " (made at "
            << format_rfc3339(plan.now) << " from state serial " << plan.serial
            << (saved.commit.empty() ? "" : ", commit " + saved.commit.substr(0, 7))
            << "): " << plan_summary(plan) << "\n";
  for (const std::string& e : plan.errors) std::cerr << ws.style().red("Error: ") << e << "\n";
  if (!plan.errors.empty()) return kExitError;
  if (!plan.has_changes()) {
    close_interrupted(ws.backend(), loaded.loaded, plan.now);
    record_commit(ws, state, applied, plan.now);
    return kExitOk;
  }
  check_rehearsal_writes(ws.config(), plan);
  Keyring keyring(ws.root_key(state), ws.backend().objects());
  std::cout << "\n";
  return carry_out(ws, loaded, plan, keyring, applied);
}

int run_apply(const GlobalOptions& global, const ApplyCommand& opts) {
  if (!opts.plan_file.empty()) return run_apply_saved(global, opts);
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kExclusive, "apply");
  Backend& backend = ws.backend();
  State& state = loaded.state();
  const std::optional<AppliedCommit> applied = checked_commit(ws, state, opts.checks);
  // Drift repair: deployed files are observed first, so a changed, missing
  // or re-moded file plans `repair` (see repair_drift in plan.cc).
  std::unique_ptr<Keyring> observing = keyring_if_available(ws, state);
  const auto observed = observations_by_address(observe_drift(
      ws.config(), state, builtin_providers(), ws.now(), observing.get(), {"DeploymentTarget"}));
  PlanFlags flags = opts.flags;
  flags.observed = &observed;
  Plan plan = make_plan_for(ws, state, flags);
  std::cout << render_plan_text(plan, ws.style());
  if (!plan.errors.empty()) return kExitError;
  if (!plan.has_changes()) {
    close_interrupted(backend, loaded.loaded, plan.now);
    record_commit(ws, state, applied, plan.now);
    return kExitOk;
  }
  // Checked before asking, so a wrong key fails before anyone says yes.
  check_rehearsal_writes(ws.config(), plan);
  Keyring keyring(ws.root_key(state), backend.objects());
  if (!opts.auto_approve && !confirmed()) {
    std::cout << "Apply cancelled: nothing was changed.\n";
    return kExitError;
  }
  std::cout << "\n";
  return carry_out(ws, loaded, plan, keyring, applied);
}

}  // namespace

void register_apply(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<ApplyCommand>();
  CLI::App* cmd =
      app.add_subcommand("apply", "Plan, confirm, and carry the plan out in dependency order");
  add_plan_flags(cmd, &opts->flags, /*with_at=*/false);
  cmd->add_flag("--auto-approve", opts->auto_approve, "Do not ask for confirmation");
  add_commit_flags(cmd, &opts->checks);
  cmd->add_option("PLANFILE", opts->plan_file,
                  "A plan saved by `keyform plan -o FILE`: apply exactly it, without asking");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_apply(global, *opts); }; });
}

}  // namespace keyform::cli
