#include "state/journal_replay.h"

#include <algorithm>
#include <map>

namespace keyform {

ReplayResult replay_journal(State snapshot, const std::vector<JournalRecord>& records,
                            std::vector<std::string> warnings) {
  ReplayResult out;
  out.loaded.state = std::move(snapshot);
  out.loaded.warnings = std::move(warnings);
  const uint64_t snapshot_serial = out.loaded.state.serial;
  std::map<std::string, size_t> open_intents;  // action id -> index in the journal
  uint64_t max_serial = snapshot_serial;
  for (size_t i = 0; i < records.size(); ++i) {
    const JournalRecord& r = records[i];
    if (r.type == JournalRecord::Type::kIntent) {
      open_intents[r.action_id] = i;
    } else {
      if (r.type != JournalRecord::Type::kMeta) open_intents.erase(r.action_id);
      // Already in the snapshot: a checkpoint died before emptying the journal.
      if (r.serial <= snapshot_serial) continue;
      max_serial = std::max(max_serial, r.serial);
    }
    apply_record(out.loaded.state, r);
    ++out.loaded.journal_records;
  }

  std::vector<size_t> unfinished;
  for (const auto& [id, index] : open_intents) unfinished.push_back(index);
  std::sort(unfinished.begin(), unfinished.end());
  for (size_t index : unfinished) {
    const JournalRecord& r = records[index];
    out.loaded.warnings.push_back(r.address + ": an earlier run started " + r.action + " (action " +
                                  r.action_id + ") and did not finish; it will be planned again");
    out.loaded.unfinished.push_back(r);
  }
  out.max_serial = max_serial;
  return out;
}

bool catch_up(Backend& backend, std::shared_ptr<const State>& state, std::string& position) {
  if (!state || position.empty()) return false;
  std::optional<JournalTail> tail = backend.read_tail(position);
  if (!tail) return false;
  if (!tail->records.empty()) {
    ReplayResult replayed = replay_journal(*state, tail->records, {});
    if (tail->serial != 0 && replayed.loaded.state.serial != tail->serial) return false;
    state = std::make_shared<const State>(std::move(replayed.loaded.state));
  } else if (tail->serial != 0 && state->serial != tail->serial) {
    return false;
  }
  position = std::move(tail->position);
  return true;
}

}  // namespace keyform
