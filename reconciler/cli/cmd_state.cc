// keyform state list | rm ADDR | unlock LOCK_ID | migrate --to TYPE: state surgery.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "reconciler/cli/state_migrate.h"
#include "state/state_writer.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

// State surgery reads only the Project (where the state is): it must work
// while the rest of the configuration is broken.
int run_list(const GlobalOptions& global) {
  Workspace ws(global, ConfigScope::kProjectOnly);
  auto loaded = ws.load_state(LockMode::kShared, "state list");
  for (const auto& [address, r] : loaded.state().resources) std::cout << address << "\n";
  return kExitOk;
}

int run_rm(const GlobalOptions& global, const std::string& address) {
  Workspace ws(global, ConfigScope::kProjectOnly);
  auto loaded = ws.load_state(LockMode::kExclusive, "state rm");
  if (!loaded.state().find(address)) throw Error(address + " is not in the state");
  JournalRecord r;
  r.type = JournalRecord::Type::kRemove;
  r.address = address;
  r.action_id = "state-rm";
  r.time = ws.now();
  StateWriter(ws.backend(), loaded.state()).log_and_apply(r, StateWriter::Objects::kKeep);
  std::cout
      << "Removed " << address << " from the state (serial " << r.serial << ").\n"
      << "keyform no longer manages it: its sealed objects stay in the store and any files it "
         "deployed stay in place.\n";
  return kExitOk;
}

int run_unlock(const GlobalOptions& global, const std::string& id) {
  Workspace ws(global, ConfigScope::kProjectOnly);
  ws.backend().force_unlock(id);
  std::cout << "Removed lock " << id << ".\n";
  return kExitOk;
}

}  // namespace

void register_state(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* state = app.add_subcommand("state", "State surgery: list, rm, unlock, migrate");
  state->require_subcommand(1);
  CLI::App* list = state->add_subcommand("list", "List the recorded addresses");
  list->callback([&global, run] { *run = [&global] { return run_list(global); }; });

  auto rm_address = std::make_shared<std::string>();
  CLI::App* rm = state->add_subcommand("rm", "Forget an address without touching what it made");
  rm->add_option("address", *rm_address, "The address to forget")->required();
  rm->callback([&global, run, rm_address] {
    *run = [&global, rm_address] { return run_rm(global, *rm_address); };
  });

  auto lock_id = std::make_shared<std::string>();
  CLI::App* unlock = state->add_subcommand("unlock", "Remove a lock left by a run that is gone");
  unlock->add_option("lock_id", *lock_id, "The lock id printed by the refused run")->required();
  unlock->callback([&global, run, lock_id] {
    *run = [&global, lock_id] { return run_unlock(global, *lock_id); };
  });

  auto to = std::make_shared<std::string>();
  CLI::App* migrate = state->add_subcommand(
      "migrate", "Move the whole state into an empty backend of another type");
  migrate->add_option("--to", *to, "The destination backend: postgres or local")
      ->required()
      ->check(CLI::IsMember({"local", "postgres"}));
  migrate->callback(
      [&global, run, to] { *run = [&global, to] { return run_state_migrate(global, *to); }; });
}

}  // namespace keyform::cli
