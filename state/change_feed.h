#pragma once
// Being told that the state changed, without asking: the postgres backend
// LISTENs on channel keyform_state, on which every journal append and
// checkpoint NOTIFYs the new serial (docs/postgres.md). keyform serve uses it
// to wake the agents' long-polls at once; a backend without one is polled
// (Backend::revision()).
#include <chrono>

namespace keyform {

class StateChangeFeed {
 public:
  virtual ~StateChangeFeed() = default;
  // Waits up to `timeout` for a notification. True when one came, or when
  // some may have been missed (the connection broke and was opened again):
  // the caller then compares Backend::revision(). Never throws; a feed that
  // cannot reach its server waits out the timeout and says true.
  virtual bool wait(std::chrono::milliseconds timeout) = 0;
};

}  // namespace keyform
