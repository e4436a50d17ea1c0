#include "reconciler/executor.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "providers/deletion_window.h"
#include "reconciler/graph.h"
#include "state/state_writer.h"
#include "util/error.h"

namespace keyform {

namespace {

struct Job {
  size_t index;  // into plan.actions
  ApplyContext ctx;
  const Provider* provider;
  // Keeps ctx.recorded alive and unchanged while the job runs: the owner may
  // publish a newer entry for the same address meanwhile.
  RecordedEntries::Snapshot recorded;
};

struct Completion {
  size_t index;
  std::optional<RecordedResource> entry;
  std::string error;
  std::chrono::milliseconds took{0};
  // A step of a multi-step action (ApplyContext::record_progress), not its
  // end: `entry` is the entry after the step, and the worker waits until the
  // owner has made it durable (WorkerPool::acknowledge).
  bool progress = false;
};

// A fixed pool of workers: jobs in, completions out.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() {
    {
      // Jobs not yet started are dropped: when the owner stops early (an
      // error), nothing may run that it would not journal. Running ones finish.
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      jobs_.clear();
    }
    jobs_cv_.notify_all();
    ack_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  // Called on a worker: hands a step's entry to the owner and blocks until
  // it is durable. Throws when the owner stops first.
  void progress(size_t index, const RecordedResource& entry) {
    std::unique_lock<std::mutex> lock(mu_);
    done_.push_back(Completion{index, entry, {}, {}, true});
    done_cv_.notify_one();
    ack_cv_.wait(lock, [&] { return stopping_ || acked_.count(index); });
    if (!acked_.erase(index)) throw Error("the apply stopped before this step was recorded");
  }
  // Called on the owner once a progress entry is durable.
  void acknowledge(size_t index) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      acked_.insert(index);
    }
    ack_cv_.notify_all();
  }
  void submit(std::unique_ptr<Job> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    jobs_cv_.notify_one();
  }
  // Blocks until at least one completion, then returns all that are there.
  std::vector<Completion> wait() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return !done_.empty(); });
    std::vector<Completion> out(std::make_move_iterator(done_.begin()),
                                std::make_move_iterator(done_.end()));
    done_.clear();
    return out;
  }
  size_t max_running() const { return max_running_; }

 private:
  void run() {
    for (;;) {
      std::unique_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        jobs_cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        max_running_ = std::max(max_running_, ++running_);
      }
      Completion c{job->index, std::nullopt, {}, {}};
      auto start = std::chrono::steady_clock::now();
      try {
        c.entry = job->provider->apply(job->ctx);
      } catch (const std::exception& e) {
        c.error = e.what();
        if (c.error.empty()) c.error = "failed";
      }
      c.took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      {
        std::lock_guard<std::mutex> lock(mu_);
        --running_;
        done_.push_back(std::move(c));
      }
      done_cv_.notify_one();
    }
  }

  std::mutex mu_;
  std::condition_variable jobs_cv_, done_cv_, ack_cv_;
  std::set<size_t> acked_;
  std::deque<std::unique_ptr<Job>> jobs_;
  std::vector<Completion> done_;
  std::vector<std::thread> threads_;
  size_t running_ = 0, max_running_ = 0;
  bool stopping_ = false;
};

}  // namespace

ExecutionResult execute(const Plan& plan, State& state, const ExecutionEnv& env,
                        ExecutionObserver& observer) {
  if (!plan.errors.empty()) throw Error(plan.errors.front());
  if (plan.serial != state.serial || plan.lineage != state.lineage)
    throw Error("the plan was made from state serial " + std::to_string(plan.serial) +
                " but the state is now at serial " + std::to_string(state.serial) + "; plan again");

  ExecutionResult result;
  const std::vector<Action>& actions = plan.actions;
  // An address may have more than one action (a CA's own, then its
  // `revoke`); `after: X` means every action on X placed earlier in the plan.
  std::unordered_map<std::string, std::vector<size_t>> index;
  for (size_t i = 0; i < actions.size(); ++i)
    if (actions[i].type != ActionType::kNoOp) index[actions[i].address].push_back(i);

  // waiting[i]: unfinished predecessors; dependents[i]: who waits on i.
  std::vector<size_t> waiting(actions.size(), 0);
  std::vector<std::vector<size_t>> dependents(actions.size());
  std::deque<size_t> ready;  // FIFO: actions start in plan order
  for (size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].type == ActionType::kNoOp) continue;
    for (const std::string& after : actions[i].after) {
      auto it = index.find(after);
      if (it == index.end()) continue;
      for (size_t j : it->second) {
        if (j >= i) break;
        ++waiting[i];
        dependents[j].push_back(i);
      }
    }
  }
  for (size_t i = 0; i < actions.size(); ++i)
    if (actions[i].type != ActionType::kNoOp && waiting[i] == 0) ready.push_back(i);

  StateWriter writer(env.backend, state,
                     [&observer](const std::string& w) { observer.warning(w); });
  const size_t workers = static_cast<size_t>(std::max(1, env.parallelism));
  WorkerPool pool(static_cast<int>(workers));
  size_t in_flight = 0;
  size_t journal_since_checkpoint = env.journal_records;

  auto skip_dependents = [&](size_t failed_index) {
    std::vector<size_t> stack = dependents[failed_index];
    while (!stack.empty()) {
      size_t d = stack.back();
      stack.pop_back();
      if (waiting[d] == SIZE_MAX) continue;  // already skipped
      observer.skipped(actions[d], actions[failed_index].address);
      ++result.skipped;
      for (size_t dd : dependents[d]) stack.push_back(dd);
      waiting[d] = SIZE_MAX;  // never becomes ready
    }
  };

  // Takes ready actions while a worker is free and makes their intents
  // durable together with `records` (the done/failed records of what just
  // finished): one append, one fsync, for the whole batch; the writer folds
  // the done records in and drops what they superseded. Only actions that
  // start get an intent, so after a crash the open intents are exactly what
  // was running.
  auto commit_and_take = [&](std::vector<JournalRecord> records) {
    size_t n = std::min(ready.size(), workers - std::min(workers, in_flight));
    std::vector<size_t> starting(ready.begin(), ready.begin() + static_cast<std::ptrdiff_t>(n));
    ready.erase(ready.begin(), ready.begin() + static_cast<std::ptrdiff_t>(n));
    for (size_t i : starting) {
      JournalRecord r;
      r.type = JournalRecord::Type::kIntent;
      r.action_id = actions[i].id;
      r.address = actions[i].address;
      r.action = std::string(action_name(actions[i].type));
      r.time = env.now;
      records.push_back(std::move(r));
    }
    writer.log_and_apply(records);
    journal_since_checkpoint += records.size();
    return starting;
  };

  auto submit = [&](const std::vector<size_t>& starting) {
    for (size_t i : starting) {
      const Action& a = actions[i];
      const Resource* desired = env.config.find(a.address);
      RecordedEntries::Snapshot recorded = state.resources.share(a.address);
      std::string kind, name;
      split_address(a.address, &kind, &name);
      const Provider* provider = env.providers.find(kind);
      if (!provider) throw Error("no provider for kind " + kind);
      ApplyContext ctx{a,
                       a.type == ActionType::kDelete ? nullptr : desired,
                       recorded.get(),
                       {},
                       env.config,
                       env.now,
                       env.keyring,
                       env.files};
      ctx.record_progress = [&pool, i](const RecordedResource& entry) { pool.progress(i, entry); };
      ctx.seal_key_object = state.seal_key_object;
      if (desired && a.type != ActionType::kDelete) {
        for (const std::string& dep : env.graph.transitive_dependencies(a.address))
          ctx.deps[dep] = state.resources.share(dep);
      }
      // A delete gets no dependencies: they may be changing while it runs.
      observer.started(a);
      pool.submit(std::make_unique<Job>(Job{i, std::move(ctx), provider, std::move(recorded)}));
      ++in_flight;
    }
  };

  // Steps recorded by actions still running, by action index. They are
  // journalled (so a crash resumes from them) but not folded into `state`
  // while the worker still reads its recorded entry; a failure folds the
  // last one in, a success supersedes it.
  std::map<size_t, RecordedResource> in_progress;
  auto record_steps = [&](std::vector<Completion>& done) {
    std::vector<JournalRecord> steps;
    std::vector<size_t> waiting_workers;
    for (Completion& c : done) {
      if (!c.progress) continue;
      const Action& a = actions[c.index];
      c.entry->last_action_id = a.id;
      c.entry->updated_at = env.now;
      JournalRecord r;
      r.type = JournalRecord::Type::kDone;
      r.action_id = a.id;
      r.address = a.address;
      r.time = env.now;
      r.entry = c.entry;
      steps.push_back(std::move(r));
      in_progress.insert_or_assign(c.index, std::move(*c.entry));
      waiting_workers.push_back(c.index);
    }
    if (steps.empty()) return;
    writer.log_progress(steps);
    journal_since_checkpoint += steps.size();
    for (size_t i : waiting_workers) pool.acknowledge(i);
    std::erase_if(done, [](const Completion& c) { return c.progress; });
  };

  submit(commit_and_take({}));
  while (in_flight > 0) {
    std::vector<Completion> done = pool.wait();
    record_steps(done);
    in_flight -= done.size();
    std::vector<JournalRecord> records, failures;
    std::vector<std::pair<size_t, std::chrono::milliseconds>> succeeded;  // index, time taken
    for (Completion& c : done) {
      const Action& a = actions[c.index];
      if (!c.error.empty()) {
        JournalRecord f;
        f.type = JournalRecord::Type::kFailed;
        f.action_id = a.id;
        f.address = a.address;
        f.error = c.error;
        f.time = env.now;
        failures.push_back(std::move(f));
        if (auto step = in_progress.find(c.index); step != in_progress.end()) {
          // Its steps so far are durable: the state says where it stopped.
          state.resources.put(a.address, std::move(step->second));
          in_progress.erase(step);
        }
        observer.failed(a, c.error);
        ++result.failed;
        skip_dependents(c.index);
        continue;
      }
      JournalRecord r;
      r.action_id = a.id;
      r.address = a.address;
      r.time = env.now;
      // A delete that returns an entry marked pending deletion keeps it.
      if (a.type == ActionType::kDelete && !(c.entry && pending_deletion(*c.entry))) {
        r.type = JournalRecord::Type::kRemove;
      } else {
        r.type = JournalRecord::Type::kDone;
        c.entry->last_action_id = a.id;
        c.entry->updated_at = env.now;
        r.entry = std::move(c.entry);
      }
      records.push_back(std::move(r));
      succeeded.emplace_back(c.index, c.took);
      in_progress.erase(c.index);
    }
    // Release dependents (the plan says who they are), then make what
    // finished and what starts next durable in one append, folded in.
    for (const auto& [index, took] : succeeded)
      for (size_t d : dependents[index])
        if (waiting[d] != SIZE_MAX && --waiting[d] == 0) ready.push_back(d);
    records.insert(records.end(), std::make_move_iterator(failures.begin()),
                   std::make_move_iterator(failures.end()));
    std::vector<size_t> starting = commit_and_take(std::move(records));
    for (const auto& [index, took] : succeeded) {
      const Action& a = actions[index];
      observer.finished(a, state.find(a.address), took);
      ++result.succeeded;
    }
    // A checkpoint would drop journalled steps that `state` does not hold
    // yet: it waits until no multi-step action is half-way.
    if (in_progress.empty() &&
        journal_since_checkpoint >= std::max(env.checkpoint_records, state.resources.size() / 4)) {
      writer.checkpoint();
      journal_since_checkpoint = 0;
    }
    submit(starting);
  }
  result.max_concurrency = pool.max_running();
  return result;
}

}  // namespace keyform
