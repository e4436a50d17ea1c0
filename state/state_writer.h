#pragma once
// The one writer of a state, as LevelDB's VersionSet::LogAndApply: every
// change is made durable in the journal first, then folded into the state in
// memory, then the objects it superseded are dropped. Apply and every
// command that changes the state go through it, so serials are assigned in
// one place and the journal and the state never disagree.
//
// Not thread-safe: one thread (the state's owner) calls it. Entries already
// published stay valid for the snapshots readers hold (recorded_entries.h).
#include <functional>
#include <string>
#include <vector>

#include "state/backend.h"
#include "state/state.h"

namespace keyform {

class StateWriter {
 public:
  // Told when a superseded object could not be removed (an orphan is
  // harmless; the change itself is durable). Default: ignored.
  using Warning = std::function<void(const std::string&)>;

  StateWriter(Backend& backend, State& state, Warning warning = nullptr)
      : backend_(backend), state_(state), warning_(std::move(warning)) {}

  // Journals `records` in one durable append (one fsync), then folds them
  // in. Serials are assigned here, in order: each done, remove and meta
  // record gets the next one; intent and failed records carry the serial
  // reached before them. Then the objects that the replaced or removed
  // entries held and the new ones do not are removed from the store.
  // Returns the serial reached. Nothing is folded when the append throws.
  // kKeepObjects leaves them (`state rm`: keyform lets go of the resource,
  // not of what it made).
  enum class Objects { kDropSuperseded, kKeep };
  uint64_t log_and_apply(std::vector<JournalRecord>& records,
                         Objects objects = Objects::kDropSuperseded);
  uint64_t log_and_apply(JournalRecord record, Objects objects = Objects::kDropSuperseded);

  // Journals the steps of actions still running (ApplyContext::
  // record_progress) without folding them: their workers still read the
  // entry they started from. Each gets the next serial; a later
  // log_and_apply of the same address supersedes them.
  void log_progress(std::vector<JournalRecord>& records);

  // Rewrites the snapshot from the state and empties the journal.
  void checkpoint() { backend_.checkpoint(state_); }

  State& state() { return state_; }

 private:
  void assign_serials(std::vector<JournalRecord>& records, bool fold);

  Backend& backend_;
  State& state_;
  Warning warning_;
};

}  // namespace keyform
