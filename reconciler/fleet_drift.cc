#include "reconciler/fleet_drift.h"

#include <cctype>

#include "providers/deploy/deployment_target.h"
#include "providers/pki/host_key.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/renewal.h"
#include "providers/secrets/secret_versions.h"
#include "state/fleet_records.h"

namespace keyform {

namespace {

using json = nlohmann::json;

// What a host serving the source as recorded now reports: its certificate's
// serial (a Certificate, or the one a Secret bundles) and, for a Secret, its
// CURRENT version.
struct CurrentSource {
  std::string serial;
  std::string version;
};

CurrentSource current_source(const RecordedResource& src) {
  CurrentSource c;
  c.serial = src.attributes.value("serial", src.attributes.value("certificate_serial", ""));
  if (src.kind == "Secret")
    if (const json* v = secrets::version_with_stage(src.attributes, "CURRENT"))
      c.version = "version:" + v->value("id", "");
  return c;
}

bool same_serial(std::string a, std::string b) {
  for (char& ch : a) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (char& ch : b) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return a == b;
}

// Why `host`'s report is behind, "" when it is not.
std::string host_behind(const std::string& host, const json& h, const CurrentSource& now_src,
                        UnixTime now, Seconds window) {
  const std::string serial = h.value("serial", ""), version = h.value("version", "");
  if (!now_src.serial.empty() && !same_serial(serial, now_src.serial))
    return "host " + host + " serves serial " + (serial.empty() ? "(none)" : serial) +
           ", not the current " + now_src.serial + " (deployed " + h.value("deployed", "never") +
           ")";
  if (!now_src.version.empty() && version != now_src.version)
    return "host " + host + " serves " + (version.empty() ? "nothing" : version) +
           ", not the current " + now_src.version + " (deployed " + h.value("deployed", "never") +
           ")";
  const std::optional<UnixTime> reported = parse_rfc3339(h.value("reported", ""));
  if (!reported || now - *reported > window)
    return "host " + host + " has not reported since " + h.value("reported", "ever") +
           " (spec.fleet.reportWindow " + format_duration(window) + ")";
  return "";
}

// A certificate whose key each host makes (privateKey.generatedOn: host) is
// each host's own: a host is behind when it does not serve the certificate
// serve last issued it (FleetCertificate), when that one is past its
// renewal time (the agent is not renewing), or when it went silent.
void host_key_drift(const Resource& cert, const State& state, const std::string& target,
                    const json& hosts, UnixTime now, Seconds window,
                    std::vector<std::string>& details) {
  const RecordedResource* rec = state.find(std::string(kFleetCertificate) + "/" + target);
  const json issued_to = rec ? rec->attributes.value("hosts", json::object()) : json::object();
  const RenewalPolicy policy = pki::renewal_policy_field(cert.spec);
  for (const auto& [host, h] : hosts.items()) {
    const json issued = issued_to.value(host, json::object());
    if (issued.contains("revoked")) {
      details.push_back("host " + host + " serves certificate serial " + h.value("serial", "") +
                        ", revoked at " + issued.value("revoked", "") + " (keyform agent revoke)");
      continue;
    }
    std::string why = host_behind(host, h, {issued.value("serial", ""), ""}, now, window);
    const std::optional<UnixTime> from = parse_rfc3339(issued.value("not_before", ""));
    const std::optional<UnixTime> to = parse_rfc3339(issued.value("not_after", ""));
    if (why.empty() && from && to)
      if (std::optional<std::string> due = renewal_reason(*from, *to, policy, now))
        why = "host " + host + " has not renewed its certificate serial " +
              issued.value("serial", "") + " (" + *due + ")";
    if (!why.empty()) details.push_back(std::move(why));
  }
}

}  // namespace

std::vector<DriftEntry> observe_fleet_inventory(const Config& config, const State& state,
                                                UnixTime now) {
  const Seconds window = parse_duration(config.project.fleet.report_window).value_or(3600);
  std::vector<DriftEntry> out;
  for (const Resource& target : config.resources) {
    if (target.kind != "DeploymentTarget" || target_hosts(target).empty()) continue;
    DriftEntry e;
    e.address = target.address();
    e.kind = target.kind;
    const std::string source = target.spec.value("source", "");
    const RecordedResource* src = state.find(source);
    const Resource* cert = config.find(source);
    const bool host_key = cert && pki::key_generated_on_host(cert->spec);
    if (!src && !host_key) {
      e.status = Observation::kNotChecked;
      e.details.push_back(source + " is not recorded yet: no host can serve it");
      out.push_back(std::move(e));
      continue;
    }
    const RecordedResource* inv = state.find(std::string(kFleetInventory) + "/" + target.name);
    const json hosts = inv ? inv->attributes.value("hosts", json::object()) : json::object();
    if (host_key) {
      host_key_drift(*cert, state, target.name, hosts, now, window, e.details);
    } else {
      const CurrentSource current = current_source(*src);
      for (const auto& [host, h] : hosts.items()) {
        std::string why = host_behind(host, h, current, now, window);
        if (!why.empty()) e.details.push_back(std::move(why));
      }
    }
    // An enrolled agent of a matching host that never reported.
    for (const RecordedResource* agent : enrolled_agents(target, state))
      if (!hosts.contains(agent->name))
        e.details.push_back("host " + agent->name + " is enrolled but has not deployed it");
    e.status = e.details.empty() ? Observation::kInSync : Observation::kModified;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace keyform
