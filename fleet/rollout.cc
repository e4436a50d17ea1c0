#include "fleet/rollout.h"

#include <algorithm>
#include <vector>

#include "providers/deploy/deployment_target.h"
#include "state/fleet_records.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;

std::string limit_text(const json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.is_string() ? v.get<std::string>() : "";
}

// Enrolled, unrevoked hosts the target names (what a percentage is of).
int64_t enrolled_hosts(const Resource& target, const State& state) {
  return static_cast<int64_t>(enrolled_agents(target, state).size());
}

// A limit as a count of hosts: "10%" of `hosts`, rounded up (and at least
// one) for a concurrency, down for errors.
int64_t resolve(const std::string& limit, int64_t hosts, bool round_up) {
  if (!limit.ends_with('%')) return std::stoll(limit);
  const int64_t percent = std::stoll(limit.substr(0, limit.size() - 1));
  const int64_t n = round_up ? (percent * hosts + 99) / 100 : percent * hosts / 100;
  return round_up ? std::max<int64_t>(n, 1) : n;
}

std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 5; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 5) out += " and " + std::to_string(names.size() - 5) + " more";
  return out;
}

// When the host's place for `version` ends; nullopt when it holds none.
std::optional<UnixTime> place_end(const json& h, const std::string& version) {
  const json place = h.value("rollout", json::object());
  if (place.value("version", "") != version) return std::nullopt;
  return parse_rfc3339(place.value("until", ""));
}

bool holds_place(const json& h, const std::string& version, UnixTime now) {
  const std::optional<UnixTime> until = place_end(h, version);
  return until && *until > now;
}

// The host's place for `version` ran out before it reported: it pulled and
// went silent (died, hung in its reload). Counted as a failure, as Run
// Command counts a timed-out invocation against MaxErrors.
bool timed_out(const json& h, const std::string& version, UnixTime now) {
  const std::optional<UnixTime> until = place_end(h, version);
  return until && *until <= now;
}

bool failed(const json& h, const std::string& version) {
  return h.value("outcome", "") == "failed" && h.value("failed_version", "") == version;
}

// Why the host counts as a failure of `version`; "" when it does not.
std::string failure_of(const json& h, const std::string& version, UnixTime now) {
  if (failed(h, version)) return h.value("error", "");
  if (timed_out(h, version, now))
    return "no report by " + h["rollout"].value("until", "") + ": timed out";
  return "";
}

}  // namespace

std::optional<RolloutLimits> rollout_limits(const Resource& target) {
  if (!target.spec.contains("rollout")) return std::nullopt;
  const json& r = target.spec["rollout"];
  RolloutLimits limits;
  limits.max_concurrency = limit_text(r.value("maxConcurrency", json()));
  limits.max_errors = limit_text(r.value("maxErrors", json()));
  if (std::optional<Seconds> t = parse_duration(r.value("timeout", ""))) limits.timeout = *t;
  return limits;
}

RolloutDecision decide_rollout(const Resource& target, const RolloutLimits& limits,
                               const State& state, const std::string& host,
                               const std::string& version, UnixTime now) {
  const RecordedResource* inv = state.find(std::string(kFleetInventory) + "/" + target.name);
  const json hosts = inv ? inv->attributes.value("hosts", json::object()) : json::object();
  const json mine = hosts.value(host, json::object());
  if (mine.value("version", "") == version) return {};
  const auto count_of = [&](const std::string& limit, bool round_up) {
    return resolve(limit, limit.ends_with('%') ? enrolled_hosts(target, state) : 0, round_up);
  };
  // Halted: more failures than allowed, unless this host is one of them.
  if (!limits.max_errors.empty() && failure_of(mine, version, now).empty()) {
    std::vector<std::string> failures;
    for (const auto& [name, h] : hosts.items())
      if (std::string why = failure_of(h, version, now); !why.empty())
        failures.push_back(name + " (" + why + ")");
    const int64_t allowed = count_of(limits.max_errors, false);
    if (static_cast<int64_t>(failures.size()) > allowed)
      return {RolloutVerdict::kHalted,
              "the rollout of " + version + " to " + target.address() + " is halted: " +
                  std::to_string(failures.size()) + " host(s) failed it, more than maxErrors " +
                  limits.max_errors + " allows: " + listed(failures) +
                  "; this host keeps what it has until a failed host succeeds or a new "
                  "version is applied"};
  }
  if (limits.max_concurrency.empty() || holds_place(mine, version, now)) return {};
  std::vector<std::string> deploying;
  for (const auto& [name, h] : hosts.items())
    if (name != host && holds_place(h, version, now)) deploying.push_back(name);
  const int64_t places = count_of(limits.max_concurrency, true);
  if (static_cast<int64_t>(deploying.size()) >= places)
    return {RolloutVerdict::kPaused, "the rollout of " + version + " to " + target.address() +
                                         " is at maxConcurrency " + limits.max_concurrency + " (" +
                                         std::to_string(places) +
                                         " host(s) at once): waiting for " + listed(deploying)};
  return {RolloutVerdict::kTakePlace, ""};
}

void take_rollout_place(json& host_entry, const std::string& version, UnixTime until) {
  host_entry["rollout"] = {{"version", version}, {"until", format_rfc3339(until)}};
}

void clear_rollout_place(json& host_entry) {
  if (host_entry.is_object()) host_entry.erase("rollout");
}

}  // namespace keyform::fleet
