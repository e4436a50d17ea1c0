#pragma once
// Replaying journal records on top of a snapshot: the part of load() every
// backend shares, so they agree on what a journal means.
#include <cstdint>
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

}  // namespace keyform
