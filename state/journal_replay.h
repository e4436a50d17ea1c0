#pragma once
// Replaying journal records on top of a snapshot: the part of load() every
// backend shares, so they agree on what a journal means.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "state/backend.h"

namespace keyform {

struct ReplayResult {
  LoadResult loaded;
  uint64_t max_serial = 0;  // the highest serial of the snapshot or a replayed record
};

// Applies `records` (in journal order) to `snapshot`. Records whose serial the
// snapshot already holds are skipped (a checkpoint that died before it
// emptied the journal). Intents with no closing record become `unfinished`,
// each with a warning. `warnings` (from reading the journal) come first.
ReplayResult replay_journal(State snapshot, const std::vector<JournalRecord>& records,
                            std::vector<std::string> warnings);

// Brings `state` — loaded at `position` (or written on since, by this
// process: records it already holds are skipped by serial) — up to what the
// backend holds now, and moves `position` on. Returns false, changing
// nothing, when the backend cannot follow from there or the tail does not
// reach the serial it says; the caller then loads afresh. Records whose
// serial `state` holds are skipped, so replaying one's own appends is
// harmless. Copies the state only when the tail holds records.
bool catch_up(Backend& backend, std::shared_ptr<const State>& state, std::string& position);

}  // namespace keyform
