#pragma once
// A provider of kind "Fake" for planner and executor tests. Its spec:
//   deps: ["Fake/a", ...]   references (the graph's edges)
//   fail: true              apply throws
//   version: N              a change replaces; propagates to dependents
//   isolated: true          ignores upstream changes (stays a no-op)
//   pending: true           its create leaves its outputs missing
//                           (Change::pending_outputs), like a CA with an
//                           external parent
// apply() logs "start X"/"end X" and can wait on a gate, so tests can see
// order and concurrency.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "providers/provider.h"
#include "util/error.h"

namespace keyform::testing {

class FakeProvider : public Provider {
 public:
  std::string_view kind() const override { return "Fake"; }

  std::vector<Reference> references(const Resource& r, const Project&) const override {
    std::vector<Reference> out;
    for (const auto& d : r.spec.value("deps", nlohmann::json::array()))
      out.push_back({"/spec/deps", d.get<std::string>()});
    return out;
  }

  Change diff(const DiffInput& in) const override {
    if (!in.recorded && in.desired.spec.value("pending", false)) {
      Change c{ActionType::kCreate, {"not in state"}};
      c.pending_outputs = true;
      c.pending_reason = "fake pending";
      return c;
    }
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    if (in.replace_requested) return {ActionType::kReplace, {"replacement requested"}};
    Change c;
    for (const std::string& f : in.changed_fields) c.reasons.push_back(f + " changed");
    const bool isolated = in.desired.spec.value("isolated", false);
    for (const auto& d : in.desired.spec.value("deps", nlohmann::json::array()))
      if (const Action* a = isolated ? nullptr : in.planned(d.get<std::string>());
          a && changes_outputs(a->type))
        c.reasons.push_back(d.get<std::string>() + " changes");
    if (!c.reasons.empty()) c.type = ActionType::kReplace;
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    log("start " + ctx.action.address);
    int now = ++running_;
    int seen = max_running_.load();
    while (now > seen && !max_running_.compare_exchange_weak(seen, now)) {
    }
    if (++arrived_ <= gate_width_) {
      // The first gate_width_ applies wait (bounded) for each other: with
      // fewer workers than that, max_running() stays below the width.
      std::unique_lock<std::mutex> lock(mu_);
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(5), [&] { return arrived_ >= gate_width_; });
    }
    bool fail = ctx.desired && ctx.desired->spec.value("fail", false);
    --running_;
    log("end " + ctx.action.address);
    if (fail) throw Error("fake failure");
    if (ctx.action.type == ActionType::kDelete) return *ctx.recorded;
    std::vector<std::string> deps;
    for (const auto& d : ctx.desired->spec.value("deps", nlohmann::json::array()))
      deps.push_back(d);
    RecordedResource rec = record_from(*ctx.desired, deps);
    rec.attributes["applied"] = std::string(action_name(ctx.action.type));
    return rec;
  }

  std::vector<std::string> log() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }
  int max_running() const { return max_running_; }
  void set_gate(int width) { gate_width_ = width; }

 private:
  void log(const std::string& s) const {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back(s);
  }
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable std::vector<std::string> log_;
  mutable std::atomic<int> running_{0};
  mutable std::atomic<int> max_running_{0};
  mutable std::atomic<int> arrived_{0};
  int gate_width_ = 0;
};

// A Fake resource named `name` depending on `deps`.
inline Resource fake(const std::string& name, std::vector<std::string> deps = {},
                     bool fail = false) {
  Resource r;
  r.kind = "Fake";
  r.name = name;
  r.spec = {{"deps", deps}};
  if (fail) r.spec["fail"] = true;
  return r;
}

inline Config fake_config(std::vector<Resource> resources) {
  Config c;
  c.project.name = "test";
  for (Resource& r : resources) {
    c.by_address[r.address()] = c.resources.size();
    c.resources.push_back(std::move(r));
  }
  return c;
}

}  // namespace keyform::testing
