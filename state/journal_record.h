#pragma once
// One record of the journal. An `intent` is durable before the action's side
// effects start; a `done` carries the new recorded entry (or its removal) and
// is durable before the run reports the action as finished.
#include <cstdint>
#include <optional>
#include <string>

#include "state/state.h"

namespace keyform {

struct JournalRecord {
  // kFailed closes an intent whose action failed: nothing changed.
  enum class Type : uint8_t { kIntent = 1, kDone = 2, kRemove = 3, kMeta = 4, kFailed = 5 };
  Type type = Type::kIntent;
  uint64_t serial = 0;    // the state serial after this record (kDone, kRemove, kMeta)
  std::string action_id;  // kIntent, kDone, kRemove, kFailed
  std::string address;    // kIntent, kDone, kRemove, kFailed
  std::string action;     // "create", "renew", ... (kIntent)
  std::optional<RecordedResource> entry;  // kDone: the new entry
  std::string git_commit;                 // kMeta: the applied commit (sha)
  std::string git_author;                 // kMeta: its author, "Name <email>"
  int64_t git_commit_time = 0;            // kMeta: its committer time, unix seconds
  bool git_dirty = false;                 // kMeta: applied over uncommitted changes
  std::string error;                      // kFailed: why (never secret material)
  int64_t time = 0;                       // unix seconds when written
};

}  // namespace keyform
