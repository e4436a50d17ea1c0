#include "fleet/fleet_store.h"

#include <thread>

#include "state/fleet_records.h"
#include "state/journal_replay.h"
#include "state/state_writer.h"
#include "util/random.h"

namespace keyform::fleet {

std::unique_ptr<StateLock> FleetStore::lock(LockMode mode) {
  const auto deadline = std::chrono::steady_clock::now() + lock_wait_;
  for (;;) {
    try {
      return backend_.lock(mode, operation_);
    } catch (const LockedError& e) {
      if (std::chrono::steady_clock::now() >= deadline)
        throw StateBusy(std::string("the state is busy: ") + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::shared_ptr<const State> FleetStore::caught_up() {
  if (catch_up(backend_, state_, position_)) return state_;
  LoadResult loaded = backend_.load();
  position_ = std::move(loaded.position);
  state_ = std::make_shared<const State>(std::move(loaded.state));
  return state_;
}

std::shared_ptr<const State> FleetStore::current() {
  std::lock_guard<std::mutex> hold(mu_);
  auto held = lock(LockMode::kShared);
  return caught_up();
}

std::vector<RecordedResource> FleetStore::write(const Change& change, UnixTime now,
                                                std::string_view also_kind) {
  std::lock_guard<std::mutex> hold(mu_);
  auto held = lock(LockMode::kExclusive);
  // A copy shares every entry with the published state; the writer swaps
  // the ones it records (recorded_entries.h), so readers keep theirs.
  State state = *caught_up();
  std::vector<RecordedResource> entries = change(state);
  if (entries.empty()) return entries;
  record_fleet_entries(backend_, state, entries, now, also_kind);
  // position_ stays before these records: the next catch-up reads them back
  // and skips them by serial.
  state_ = std::make_shared<const State>(std::move(state));
  return entries;
}

void record_fleet_entries(Backend& backend, State& state,
                          const std::vector<RecordedResource>& entries, UnixTime now,
                          std::string_view also_kind) {
  if (entries.empty()) return;
  std::vector<JournalRecord> records;
  const std::string action_id = "fleet-" + random_id(8);
  for (const RecordedResource& e : entries) {
    if (!is_fleet_record(e.kind) && (also_kind.empty() || e.kind != also_kind))
      throw Error("the fleet cannot record " + e.address());
    JournalRecord r;
    r.type = JournalRecord::Type::kDone;
    r.action_id = action_id;
    r.address = e.address();
    r.entry = e;
    r.time = now;
    records.push_back(std::move(r));
  }
  StateWriter(backend, state).log_and_apply(records);
}

}  // namespace keyform::fleet
