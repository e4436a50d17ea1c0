#include "reconciler/render/metrics_text.h"

#include <map>
#include <set>

#include "providers/pki/pki_spec.h"
#include "providers/pki/renewal.h"
#include "state/fleet_records.h"
#include "util/error.h"

namespace keyform {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Label values may hold anything; the text format escapes three characters.
std::string escape_label(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Metric families in the order first added, each with its HELP and TYPE.
class Exposition {
 public:
  void add(const std::string& name, const char* help, Labels labels, int64_t value) {
    auto [it, fresh] = index_.try_emplace(name, families_.size());
    if (fresh) families_.push_back({name, help, {}});
    families_[it->second].samples.emplace_back(std::move(labels), value);
  }

  std::string str() const {
    std::string out;
    for (const Family& f : families_) {
      out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " gauge\n";
      for (const auto& [labels, value] : f.samples) {
        out += f.name;
        if (!labels.empty()) {
          out += '{';
          for (size_t i = 0; i < labels.size(); ++i) {
            if (i) out += ',';
            out += labels[i].first + "=\"" + escape_label(labels[i].second) + '"';
          }
          out += '}';
        }
        out += ' ' + std::to_string(value) + '\n';
      }
    }
    return out;
  }

 private:
  struct Family {
    std::string name;
    const char* help;
    std::vector<std::pair<Labels, int64_t>> samples;
  };
  std::vector<Family> families_;
  std::map<std::string, size_t> index_;
};

const std::set<std::string>& own_labels() {
  static const std::set<std::string> names = {"address", "kind",   "issuer", "target",
                                              "host",    "source", "action"};
  return names;
}

void check_tag_label(const std::string& name) {
  bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name.rfind("__", 0) != 0;
  for (char c : name)
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok)
    throw Error("--tag " + name +
                ": not a Prometheus label name (letters, digits and _, not starting with a "
                "digit or __)");
  if (own_labels().count(name)) throw Error("--tag " + name + ": keyform uses that label itself");
}

class Renderer {
 public:
  explicit Renderer(const MetricsInput& in) : in_(in) {
    for (const std::string& t : in.tag_labels) check_tag_label(t);
  }

  std::string run() {
    out_.add("keyform_metrics_timestamp_seconds",
             "When keyform wrote these metrics (KEYFORM_NOW when set).", {}, in_.now);
    out_.add("keyform_state_serial", "The state's serial: it grows with every recorded change.", {},
             static_cast<int64_t>(in_.state->serial));
    for (const auto& [address, rec] : in_.state->resources) {
      if (rec.kind == "Certificate" || rec.kind == "CertificateAuthority")
        certificate(rec);
      else if (rec.kind == "Secret")
        secret(rec);
      else if (rec.kind == "KmsKey")
        kms_key(rec);
      else if (rec.kind == "DeploymentTarget")
        deployment(rec);
      else if (rec.kind == kFleetInventory)
        fleet_hosts(rec);
    }
    last_actions();
    return out_.str();
  }

 private:
  // address, then the named tags (empty when the resource is not in the
  // configuration any more).
  Labels labels_of(const std::string& address, Labels extra = {}) const {
    Labels l{{"address", address}};
    for (auto& e : extra) l.push_back(std::move(e));
    const Resource* r = in_.config ? in_.config->find(address) : nullptr;
    for (const std::string& t : in_.tag_labels) {
      std::string value;
      if (r)
        if (auto it = r->tags.find(t); it != r->tags.end()) value = it->second;
      l.emplace_back(t, std::move(value));
    }
    return l;
  }

  void certificate(const RecordedResource& rec) {
    const nlohmann::json& a = rec.attributes;
    if (!a.contains("not_after_unix") || !a.contains("not_before_unix")) return;
    if (a.value("status", "") == "PENDING_DELETION") return;
    const UnixTime nb = a["not_before_unix"].get<UnixTime>();
    const UnixTime na = a["not_after_unix"].get<UnixTime>();
    Labels l = labels_of(rec.address(), {{"kind", rec.kind}, {"issuer", a.value("issuer", "")}});
    out_.add("keyform_certificate_not_before_timestamp_seconds",
             "When the certificate becomes valid (notBefore).", l, nb);
    out_.add("keyform_certificate_not_after_timestamp_seconds",
             "When the certificate expires (notAfter).", l, na);
    // A Certificate's renewBefore is in its spec; a CA renews at two thirds.
    const Resource* desired = in_.config ? in_.config->find(rec.address()) : nullptr;
    if (rec.kind == "Certificate" && !desired) return;
    RenewalPolicy policy = desired && rec.kind == "Certificate"
                               ? pki::renewal_policy_field(desired->spec)
                               : RenewalPolicy{};
    out_.add("keyform_certificate_renewal_due_timestamp_seconds",
             "When a plan starts renewing the certificate (renewBefore).", l,
             renewal_time(nb, na, policy));
  }

  void secret(const RecordedResource& rec) {
    const nlohmann::json& a = rec.attributes;
    if (a.contains("deleted_unix") || !a.contains("last_rotated_unix")) return;
    const UnixTime last = a["last_rotated_unix"].get<UnixTime>();
    Labels l = labels_of(rec.address());
    out_.add("keyform_secret_last_rotation_timestamp_seconds",
             "When the Secret's CURRENT version was made.", l, last);
    const Resource* desired = in_.config ? in_.config->find(rec.address()) : nullptr;
    if (!desired) return;
    auto rotation = desired->spec.find("rotation");
    if (rotation == desired->spec.end() || !rotation->contains("every")) return;
    auto every = parse_duration((*rotation)["every"].get<std::string>());
    if (every)
      out_.add("keyform_secret_next_rotation_timestamp_seconds",
               "When rotation.every makes the Secret due for its next rotation.", l, last + *every);
  }

  void kms_key(const RecordedResource& rec) {
    const nlohmann::json& a = rec.attributes;
    if (!a.contains("current_version") || !a.contains("versions")) return;
    const int current = a["current_version"].get<int>();
    for (const nlohmann::json& v : a["versions"]) {
      if (v.value("version", 0) != current) continue;
      Labels l = labels_of(rec.address());
      out_.add("keyform_kms_key_current_version", "The KmsKey's current key version.", l, current);
      out_.add("keyform_kms_key_current_version_created_timestamp_seconds",
               "When the KmsKey's current version was made (its age: time() minus this).", l,
               v.value("created_unix", UnixTime{0}));
    }
  }

  // The serial the source gives deployments now: a Certificate's, or the
  // one a certificate-bundle Secret holds; "" for sources without one.
  std::string current_serial(const std::string& source) const {
    const RecordedResource* src = in_.state->find(source);
    if (!src) return "";
    if (src->kind == "Secret") return src->attributes.value("certificate_serial", "");
    return src->attributes.value("serial", "");
  }

  void serial_agreement(const std::string& target, const std::string& host,
                        const std::string& source, const std::string& deployed) {
    const std::string now = current_serial(source);
    if (now.empty() || deployed.empty()) return;
    out_.add("keyform_deployment_serial_current",
             "1 when the target (on the host; \"apply\" for the machine that applies) serves "
             "its source's current certificate serial, else 0.",
             labels_of(target, {{"host", host}, {"source", source}}), deployed == now ? 1 : 0);
  }

  void deployment(const RecordedResource& rec) {
    const nlohmann::json& a = rec.attributes;
    serial_agreement(rec.address(), "apply", a.value("source", ""), a.value("source_serial", ""));
  }

  void fleet_hosts(const RecordedResource& rec) {
    const nlohmann::json& a = rec.attributes;
    const std::string target = "DeploymentTarget/" + rec.name;
    const Resource* desired = in_.config ? in_.config->find(target) : nullptr;
    const std::string source = desired ? desired->spec.value("source", "") : "";
    for (const auto& [host, h] : a.value("hosts", nlohmann::json::object()).items()) {
      serial_agreement(target, host, source, h.value("serial", ""));
      if (auto t = parse_rfc3339(h.value("reported", "")))
        out_.add("keyform_deployment_reported_timestamp_seconds",
                 "When the host's agent last reported on the target.",
                 labels_of(target, {{"host", host}, {"source", source}}), *t);
    }
  }

  // Per resource, the last action apply carried out on it (reads and the
  // fleet's API calls, named "service:Action", are not apply's).
  void last_actions() {
    std::map<std::string, const AuditRecord*> last;
    for (const AuditRecord& r : in_.audit)
      if (r.action.find(':') == std::string::npos && !r.resource.empty()) last[r.resource] = &r;
    UnixTime newest = 0;
    int64_t failing = 0;
    for (const auto& [address, r] : last) {
      // Under KEYFORM_NOW, the time the run took as now, as for the rest.
      auto t = parse_rfc3339(r->keyform_now.empty() ? r->time : r->keyform_now);
      if (!t) continue;
      newest = std::max(newest, *t);
      failing += r->outcome != "ok";
      Labels l = labels_of(address, {{"action", r->action}});
      out_.add("keyform_last_action_timestamp_seconds",
               "When apply last acted on the resource (from the audit log).", l, *t);
      out_.add("keyform_last_action_success",
               "1 when apply's last action on the resource succeeded, 0 when it failed.", l,
               r->outcome == "ok" ? 1 : 0);
    }
    if (newest) {
      out_.add("keyform_last_apply_timestamp_seconds",
               "When apply last acted on any resource (from the audit log).", {}, newest);
      out_.add("keyform_failing_resources", "How many resources' last action by apply failed.", {},
               failing);
    }
  }

  const MetricsInput& in_;
  Exposition out_;
};

}  // namespace

std::string render_metrics(const MetricsInput& in) { return Renderer(in).run(); }

}  // namespace keyform
