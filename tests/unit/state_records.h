#pragma once
// Journal records and states for the backend tests (local and postgres), so
// both backends are tested with the same data.
#include <string>

#include "state/journal_record.h"
#include "state/state.h"

namespace keyform::testing {

inline JournalRecord intent(const std::string& action_id, const std::string& address,
                            const std::string& action = "create") {
  JournalRecord r;
  r.type = JournalRecord::Type::kIntent;
  r.action_id = action_id;
  r.address = address;
  r.action = action;
  return r;
}

// A done record for Secret/<name> at `serial`.
inline JournalRecord done(const std::string& action_id, const std::string& name, uint64_t serial) {
  JournalRecord r;
  r.type = JournalRecord::Type::kDone;
  r.serial = serial;
  r.action_id = action_id;
  r.address = "Secret/" + name;
  RecordedResource e;
  e.kind = "Secret";
  e.name = name;
  e.spec_digest = "digest-" + std::to_string(serial);
  e.objects = {{"value", "00aa"}};
  r.entry = e;
  return r;
}

inline State initial_state() {
  State s;
  s.lineage = "lineage-1";
  s.root_key_check = "check";
  return s;
}

}  // namespace keyform::testing
