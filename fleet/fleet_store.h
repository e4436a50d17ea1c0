#pragma once
// How keyform serve and the agent commands reach the state: never holding
// the lock longer than one request (apply must still run). A read takes the
// shared lock, brings the state up to date, and lets go; a write takes the
// exclusive lock, brings it up to date, decides on that, records, and lets
// go, so a check and the write it allows (a join token redeemed and the
// identity it grants) are atomic against every other writer, on either
// backend.
//
// "Up to date" costs what changed, not the whole state: the store keeps the
// state it last read and catches it up with the journal's tail
// (Backend::read_tail), loading afresh only the first time and after a
// checkpoint. So a fleet write (a report, an enrolment) costs one entry's
// worth of work, whatever the size of the fleet.
//
// Thread safety: every member may be called from any thread (one mutex;
// the backend is used under it only).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "state/backend.h"
#include "util/error.h"
#include "util/time.h"

namespace keyform::fleet {

// The state lock stayed held (by an apply) for longer than the store waits:
// try again later (serve answers 503 with Retry-After).
class StateBusy : public Error {
 public:
  using Error::Error;
};

class FleetStore {
 public:
  FleetStore(Backend& backend, std::string operation,
             std::chrono::milliseconds lock_wait = std::chrono::seconds(3))
      : backend_(backend), operation_(std::move(operation)), lock_wait_(lock_wait) {}

  // The state as it is now (shared lock, held only while catching up). The
  // pointer stays valid and unchanged for as long as the caller keeps it.
  std::shared_ptr<const State> current();
  State read() { return *current(); }

  // Under the exclusive lock: `change` sees the state and returns the fleet
  // records to write (possibly none); they are recorded in one batch before
  // the lock is released. Returns what was recorded.
  // `also_kind` admits entries of one more kind (agent revoke writes the
  // agent CA's revocation list: "CertificateAuthority").
  using Change = std::function<std::vector<RecordedResource>(const State&)>;
  std::vector<RecordedResource> write(const Change& change, UnixTime now,
                                      std::string_view also_kind = {});

  Backend& backend() { return backend_; }

 private:
  std::unique_ptr<StateLock> lock(LockMode mode);
  // The state now; the caller holds mu_ and a state lock.
  std::shared_ptr<const State> caught_up();

  Backend& backend_;
  std::string operation_;
  std::chrono::milliseconds lock_wait_;
  std::mutex mu_;
  std::shared_ptr<const State> state_;  // as of position_
  std::string position_;
};

// Journals one done record per entry through the state's writer
// (StateWriter::log_and_apply: serials follow the state's, one fsync) and
// folds them into `state`: the one place the fleet writes the state.
// Entries must be fleet records (state/fleet_records.h).
void record_fleet_entries(Backend& backend, State& state,
                          const std::vector<RecordedResource>& entries, UnixTime now,
                          std::string_view also_kind = {});

}  // namespace keyform::fleet
