#include "providers/pki/trust_bundle.h"

#include <algorithm>

#include "providers/pki/ca_hierarchy.h"
#include "util/error.h"

namespace keyform {

namespace pki {

std::vector<BundleCertificate> bundle_certificates(
    const std::vector<std::pair<std::string, const RecordedResource*>>& authorities, UnixTime now) {
  std::vector<BundleCertificate> out;
  for (const auto& entry : authorities) {
    const std::string& address = entry.first;  // a lambda below captures it
    const RecordedResource* ca = entry.second;
    if (!ca) continue;
    const nlohmann::json& a = ca->attributes;
    std::vector<BundleCertificate> mine;
    auto add = [&](const nlohmann::json& c) {
      const UnixTime not_after = c.value("not_after_unix", UnixTime{0});
      const std::string pem = c.value("certificate_pem", "");
      if (not_after <= now || pem.empty()) return;
      const std::string fp = c.value("fingerprint_sha256", "");
      for (const auto& m : mine)
        if (m.fingerprint == fp) return;
      mine.push_back({address, fp, not_after, pem});
    };
    add(a);
    std::vector<nlohmann::json> previous;
    for (const auto& c : a.value("previous_certificates", nlohmann::json::array()))
      previous.push_back(c);
    std::stable_sort(previous.begin(), previous.end(), [](const auto& x, const auto& y) {
      return x.value("not_after_unix", UnixTime{0}) > y.value("not_after_unix", UnixTime{0});
    });
    for (const auto& c : previous) add(c);
    out.insert(out.end(), mine.begin(), mine.end());
  }
  return out;
}

}  // namespace pki

namespace {

std::vector<std::string> authority_addresses(const Resource& r) {
  std::vector<std::string> out;
  for (const auto& name : r.spec.value("authorities", std::vector<std::string>{}))
    out.push_back("CertificateAuthority/" + name);
  return out;
}

std::vector<std::string> fingerprints(const nlohmann::json& certificates) {
  std::vector<std::string> out;
  for (const auto& c : certificates) out.push_back(c.value("fingerprint", ""));
  return out;
}

class TrustBundleProvider : public Provider {
 public:
  std::string_view kind() const override { return "TrustBundle"; }

  std::vector<Reference> references(const Resource& r, const Project&) const override {
    std::vector<Reference> refs;
    const std::vector<std::string> cas = authority_addresses(r);
    for (size_t i = 0; i < cas.size(); ++i)
      refs.push_back({"/spec/authorities/" + std::to_string(i), cas[i]});
    return refs;
  }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    const std::vector<std::string> cas = authority_addresses(r);
    for (size_t i = 0; i < cas.size(); ++i)
      if (std::find(cas.begin(), cas.begin() + static_cast<std::ptrdiff_t>(i), cas[i]) !=
          cas.begin() + static_cast<std::ptrdiff_t>(i))
        error("/spec/authorities/" + std::to_string(i), cas[i] + " is listed twice");
  }

  Change diff(const DiffInput& in) const override {
    // Waits while no authority has a certificate to contribute yet (an
    // external CA before keyform ca install).
    std::optional<std::string> wait;
    for (const std::string& ca : authority_addresses(in.desired)) {
      wait = pki::pending_issuer_reason(in, ca);
      if (!wait) break;
    }
    if (wait)
      return {ActionType::kNoOp,
              {*wait,
               in.recorded ? "would update: an authority changes" : "would create: not in state"},
              true};
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    Change c;
    for (const auto& f : in.changed_fields) c.reasons.push_back(f + " changed");
    if (in.replace_requested) c.reasons.push_back("replacement requested with --replace");
    std::vector<std::pair<std::string, const RecordedResource*>> cas;
    for (const std::string& ca : authority_addresses(in.desired)) {
      const Action* planned = in.planned ? in.planned(ca) : nullptr;
      if (planned && changes_outputs(planned->type))
        c.reasons.push_back("authority " + ca + " " +
                            (planned->type == ActionType::kRenew ? "renews" : "gets a new key") +
                            " (" + std::string(action_name(planned->type)) + ")");
      cas.emplace_back(ca, in.state.find(ca));
    }
    // A previous certificate expired, or a CA changed in a run that did not
    // reach this bundle.
    const size_t planned_reasons = c.reasons.size();
    {
      const nlohmann::json recorded =
          in.recorded->attributes.value("certificates", nlohmann::json::array());
      std::vector<std::string> now_fps;
      for (const auto& b : pki::bundle_certificates(cas, in.now)) now_fps.push_back(b.fingerprint);
      if (now_fps != fingerprints(recorded)) {
        for (const auto& old : recorded)
          if (std::find(now_fps.begin(), now_fps.end(), old.value("fingerprint", "")) ==
              now_fps.end())
            c.reasons.push_back(old.value("authority", "") + " certificate " +
                                old.value("fingerprint", "").substr(0, 16) +
                                (old.value("not_after_unix", UnixTime{0}) <= in.now
                                     ? " expired " + old.value("not_after", "")
                                     : " is no longer current"));
        if (c.reasons.size() == planned_reasons)
          c.reasons.push_back("an authority's certificates changed since the last apply");
      }
    }
    if (!c.reasons.empty()) c.type = ActionType::kUpdate;
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    const ActionType type = ctx.action.type;
    if (type == ActionType::kDelete) return {};
    if (type != ActionType::kCreate && type != ActionType::kUpdate)
      throw Error(ctx.action.address + ": a TrustBundle cannot " + std::string(action_name(type)));
    const Resource& r = *ctx.desired;
    std::vector<std::pair<std::string, const RecordedResource*>> cas;
    for (const std::string& ca : authority_addresses(r)) {
      auto it = ctx.deps.find(ca);
      if (it == ctx.deps.end() || !it->second)
        throw Error(ca + " is not in the state yet; apply it first");
      cas.emplace_back(ca, it->second.get());
    }
    RecordedResource rec = record_from(r, authority_addresses(r));
    std::string pem;
    nlohmann::json certificates = nlohmann::json::array();
    for (const auto& b : pki::bundle_certificates(cas, ctx.now)) {
      pem += b.pem;
      certificates.push_back({{"authority", b.authority},
                              {"fingerprint", b.fingerprint},
                              {"not_after", format_rfc3339(b.not_after)},
                              {"not_after_unix", b.not_after}});
    }
    if (certificates.empty())
      throw Error(r.address() + ": none of its authorities has a valid certificate");
    rec.attributes = {{"pem", pem}, {"certificates", certificates}};
    return rec;
  }
};

}  // namespace

std::unique_ptr<Provider> make_trust_bundle_provider() {
  return std::make_unique<TrustBundleProvider>();
}

}  // namespace keyform
