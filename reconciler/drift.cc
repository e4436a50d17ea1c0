#include "reconciler/drift.h"

#include <algorithm>
#include <map>
#include <set>

#include "reconciler/fleet_drift.h"
#include "state/fleet_records.h"

namespace keyform {

bool DriftReport::drifted() const {
  return std::any_of(entries.begin(), entries.end(), [](const DriftEntry& e) {
    return e.status == Observation::kModified || e.status == Observation::kDeleted;
  });
}

std::map<Observation::Status, size_t> DriftReport::counts() const {
  std::map<Observation::Status, size_t> out;
  for (const DriftEntry& e : entries) ++out[e.status];
  return out;
}

std::vector<std::pair<std::string, size_t>> DriftReport::not_checked_reasons() const {
  std::map<std::string, size_t> by_reason;
  for (const DriftEntry& e : entries) {
    if (e.status != Observation::kNotChecked) continue;
    std::set<std::string> reasons;  // an entry counts once per reason
    for (const std::string& d : e.details) {
      // "out/web/key.pem not compared: no root key available" and "private
      // key not checked: no root key available" give the same reason.
      size_t colon = d.find(": ");
      bool about_a_part =
          colon != std::string::npos && (d.rfind(" not compared", colon) != std::string::npos ||
                                         d.rfind(" not checked", colon) != std::string::npos);
      reasons.insert(about_a_part ? d.substr(colon + 2) : d);
    }
    for (const std::string& r : reasons) ++by_reason[r];
  }
  std::vector<std::pair<std::string, size_t>> out(by_reason.begin(), by_reason.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

DriftReport observe_drift(const Config& config, const State& state,
                          const ProviderRegistry& providers, UnixTime now, Keyring* keyring,
                          const std::vector<std::string>& kinds) {
  DriftReport report;
  report.now = now;
  // One thread: observing is bound by OpenSSL's private-key decoder, whose
  // internal locks made two threads slower than one (docs/benchmarks.md).
  ObserveContext ctx{config, state, now, keyring};
  // state.resources is ordered by address.
  for (const auto& [address, recorded] : state.resources) {
    if (is_fleet_record(recorded.kind)) continue;  // the agents report those (docs/fleet.md)
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), recorded.kind) == kinds.end())
      continue;
    DriftEntry e;
    e.address = address;
    e.kind = recorded.kind;
    Observation o;
    if (const Provider* p = providers.find(recorded.kind))
      o = p->observe(recorded, ctx);
    else
      o.note(Observation::kNotChecked, "no provider for kind " + recorded.kind);
    e.status = o.status;
    e.details = std::move(o.details);
    report.entries.push_back(std::move(e));
  }
  // Targets with hosts are written by agents; their inventory is observed.
  if (kinds.empty() || std::find(kinds.begin(), kinds.end(), "DeploymentTarget") != kinds.end()) {
    for (DriftEntry& e : observe_fleet_inventory(config, state, now))
      report.entries.push_back(std::move(e));
    std::stable_sort(
        report.entries.begin(), report.entries.end(),
        [](const DriftEntry& a, const DriftEntry& b) { return a.address < b.address; });
  }
  return report;
}

std::map<std::string, Observation> observations_by_address(const DriftReport& report) {
  std::map<std::string, Observation> out;
  for (const DriftEntry& e : report.entries) out[e.address] = {e.status, e.details};
  return out;
}

}  // namespace keyform
