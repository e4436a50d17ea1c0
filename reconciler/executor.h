#pragma once
// Runs a plan's actions in dependency order on a pool of workers.
//
// One thread (the caller's) owns the state and the journal; workers only run
// Provider::apply and report back. For each batch of actions that become
// ready together, their `intent` records are made durable with one fsync
// before any of them starts; for each batch of completions, their `done`
// records are made durable with one fsync before their dependents start and
// before their superseded objects are removed. A failed action skips its
// dependents; independent work goes on, and every success is recorded.
#include <chrono>
#include <string>
#include <vector>

#include "providers/file_system.h"
#include "providers/provider.h"
#include "reconciler/plan.h"
#include "state/backend.h"
#include "state/keyring.h"

namespace keyform {

class Graph;

// Told about each action as it starts and ends; called on the owning thread.
class ExecutionObserver {
 public:
  virtual ~ExecutionObserver() = default;
  virtual void started(const Action&) {}
  virtual void finished(const Action&, const RecordedResource* /*entry, null for delete*/,
                        std::chrono::milliseconds) {}
  virtual void failed(const Action&, const std::string& /*error*/) {}
  virtual void skipped(const Action&, const std::string& /*failed dependency*/) {}
  virtual void warning(const std::string&) {}
};

struct ExecutionResult {
  size_t succeeded = 0;
  size_t failed = 0;
  size_t skipped = 0;
  size_t max_concurrency = 0;  // the most actions that ran at once
  bool ok() const { return failed == 0 && skipped == 0; }
};

struct ExecutionEnv {
  const Config& config;
  const Graph& graph;
  const ProviderRegistry& providers;
  Backend& backend;
  Keyring& keyring;
  FileSystem& files;
  UnixTime now = 0;
  int parallelism = 1;
  // Records in the journal when the run began (LoadResult::journal_records).
  size_t journal_records = 0;
  // The journal is folded into a new snapshot once it holds this many
  // records, or a quarter as many as the state has entries if that is more:
  // a checkpoint costs O(state) and comes at most once per O(state) records,
  // so the cost per action stays flat, and a load replays a journal at most
  // a quarter the size of the state.
  size_t checkpoint_records = 1024;
};

// Applies `plan` to `state` (which must be the state the plan was made from).
ExecutionResult execute(const Plan& plan, State& state, const ExecutionEnv& env,
                        ExecutionObserver& observer);

}  // namespace keyform
