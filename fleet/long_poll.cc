#include "fleet/long_poll.h"

#include <algorithm>
#include <charconv>

#include "fleet/api_request.h"
#include "providers/deploy/deployment_target.h"
#include "providers/policy/access_analysis.h"
#include "util/encoding.h"

namespace keyform::fleet {

namespace {

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

}  // namespace

PollParams parse_poll_params(std::string_view target) {
  PollParams p;
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return p;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "since") {
      if (value.size() > 128 || !std::all_of(value.begin(), value.end(), token_char))
        throw ApiError(400, "invalid_field",
                       "since: expected the revision of an earlier answer (letters, digits, "
                       "- _ . :, at most 128)");
      p.since = std::string(value);
    } else if (key == "wait") {
      long seconds = -1;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (ec != std::errc() || end != value.data() + value.size() || seconds < 0)
        throw ApiError(400, "invalid_field", "wait: expected a number of seconds (0 to 60)");
      p.wait = std::min(std::chrono::seconds(seconds), kMaxPollWait);
    }
  }
  return p;
}

std::string target_refusal(const Config& config, const policy::PolicySet& policies,
                           const Resource& target, const std::string& principal) {
  if (target.spec.contains("principal") && target.spec["principal"] != principal)
    return target.address() + " acts as " + target.spec["principal"].get<std::string>() +
           "; this agent is " + principal;
  const std::string source = target.spec.value("source", "");
  return policy::deployment_refusal(
      principal, source, policy::deployment_decisions(config, policies, target, principal));
}

HostTargets host_targets(const Config& config, const policy::PolicySet& policies,
                         const State& state, const AgentIdentity& who) {
  HostTargets out;
  std::string digest;
  for (const Resource& r : config.resources) {
    if (r.kind != "DeploymentTarget" || !target_has_host(r, who.host)) continue;
    nlohmann::json entry = {{"target", r.address()}, {"name", r.name}};
    std::string status;
    if (std::string refusal = target_refusal(config, policies, r, who.principal());
        !refusal.empty()) {
      status = "denied " + refusal;
    } else if (const RecordedResource* src = state.find(r.spec.value("source", ""))) {
      const std::string version =
          deployment_source_version(r, *src, [&](const std::string& a) { return state.find(a); });
      entry["version"] = version;
      status = "version " + version;
    } else {
      status = "not_ready";
    }
    digest += r.address() + "\n" + r.spec.dump() + "\n" + status + "\n";
    out.targets.push_back(std::move(entry));
  }
  out.revision = "r-" + sha256_hex(digest).substr(0, 16);
  return out;
}

}  // namespace keyform::fleet
