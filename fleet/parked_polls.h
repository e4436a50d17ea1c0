#pragma once
// The long-polls keyform serve holds with nothing to say yet: each is a
// waker (which re-asks the handler on its connection) under a ticket. A
// change wakes all of them at once; a poll whose time ran out takes itself
// out. Exactly one of the two happens to a ticket: whoever removes it first.
//
// Thread safety: every member may be called from any thread; wakers run on
// the thread that calls wake_all, outside the lock.
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace keyform::fleet {

class ParkedPolls {
 public:
  uint64_t add(std::function<void()> wake) {
    std::lock_guard<std::mutex> hold(mu_);
    parked_.emplace(++next_, std::move(wake));
    return next_;
  }
  // True when `ticket` was still parked (it is not any more).
  bool remove(uint64_t ticket) {
    std::lock_guard<std::mutex> hold(mu_);
    return parked_.erase(ticket) == 1;
  }
  // Runs every parked waker once and forgets them; returns how many.
  size_t wake_all() {
    std::unordered_map<uint64_t, std::function<void()>> woken;
    {
      std::lock_guard<std::mutex> hold(mu_);
      woken.swap(parked_);
    }
    for (auto& [ticket, wake] : woken) wake();
    return woken.size();
  }
  size_t size() const {
    std::lock_guard<std::mutex> hold(mu_);
    return parked_.size();
  }

 private:
  mutable std::mutex mu_;
  uint64_t next_ = 0;
  std::unordered_map<uint64_t, std::function<void()>> parked_;
};

}  // namespace keyform::fleet
