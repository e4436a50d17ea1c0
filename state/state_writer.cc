#include "state/state_writer.h"

#include <set>

#include "state/backend.h"

namespace keyform {

namespace {

bool changes_state(JournalRecord::Type t) {
  return t == JournalRecord::Type::kDone || t == JournalRecord::Type::kRemove ||
         t == JournalRecord::Type::kMeta;
}

// A record that replaces or removes the entry at its address (a meta record
// changes the state's metadata, not an entry).
bool changes_entry(JournalRecord::Type t) {
  return changes_state(t) && t != JournalRecord::Type::kMeta;
}

}  // namespace

void StateWriter::assign_serials(std::vector<JournalRecord>& records, bool fold) {
  uint64_t serial = state_.serial;
  for (JournalRecord& r : records) {
    if (!fold || changes_state(r.type))
      r.serial = ++serial;
    else
      r.serial = serial;
  }
}

uint64_t StateWriter::log_and_apply(std::vector<JournalRecord>& records, Objects objects) {
  if (records.empty()) return state_.serial;
  assign_serials(records, /*fold=*/true);
  backend_.append(records);
  // Durable: fold in, remembering what the replaced entries held.
  std::vector<std::string> obsolete;
  for (const JournalRecord& r : records) {
    if (!changes_state(r.type)) continue;
    const RecordedResource* old = changes_entry(r.type) ? state_.find(r.address) : nullptr;
    if (old) {
      std::set<std::string> kept;
      if (r.entry)
        for (const auto& [role, id] : r.entry->objects) kept.insert(id);
      for (const auto& [role, id] : old->objects)
        if (!kept.count(id)) obsolete.push_back(id);
    }
    apply_record(state_, r);
  }
  if (objects == Objects::kKeep) return state_.serial;
  // A later record of the same batch may hold an object an earlier one
  // dropped (a step superseded by its end): only what no entry refers to goes.
  std::set<std::string> live;
  for (const JournalRecord& r : records) {
    if (!changes_entry(r.type)) continue;
    const RecordedResource* now = state_.find(r.address);
    if (!now) continue;
    for (const auto& [role, id] : now->objects) live.insert(id);
  }
  for (const std::string& id : obsolete) {
    if (live.count(id)) continue;
    try {
      backend_.objects().remove(id);
    } catch (const std::exception& e) {
      if (warning_) warning_(std::string("could not remove superseded object: ") + e.what());
    }
  }
  return state_.serial;
}

uint64_t StateWriter::log_and_apply(JournalRecord record, Objects objects) {
  std::vector<JournalRecord> records;
  records.push_back(std::move(record));
  return log_and_apply(records, objects);
}

void StateWriter::log_progress(std::vector<JournalRecord>& records) {
  if (records.empty()) return;
  assign_serials(records, /*fold=*/false);
  backend_.append(records);
  state_.serial = records.back().serial;
}

}  // namespace keyform
