#include "state/backend.h"
#include "util/error.h"

namespace keyform {

void apply_record(State& state, const JournalRecord& record) {
  switch (record.type) {
    case JournalRecord::Type::kIntent:
    case JournalRecord::Type::kFailed:
      return;  // an intent announces a change; only its done record makes it
    case JournalRecord::Type::kDone: {
      if (!record.entry)
        throw Error("journal record done for " + record.address + " carries no entry");
      std::string address = record.entry->address();
      state.resources.put(address, *record.entry);
      state.serial = record.serial;
      return;
    }
    case JournalRecord::Type::kRemove:
      state.resources.erase(record.address);
      state.serial = record.serial;
      return;
    case JournalRecord::Type::kMeta:
      state.git_commit = record.git_commit;
      state.git_author = record.git_author;
      state.git_commit_time = record.git_commit_time;
      state.git_dirty = record.git_dirty;
      state.serial = record.serial;
      return;
  }
  throw Error("journal record of unknown type " + std::to_string(static_cast<int>(record.type)));
}

}  // namespace keyform
