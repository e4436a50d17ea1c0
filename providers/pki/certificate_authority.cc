#include "providers/pki/certificate_authority.h"

#include <algorithm>
#include <cctype>

#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/ca_issue.h"
#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/certificate_drift.h"
#include "providers/pki/name_policy.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/revocation_list.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform {

namespace {

constexpr Seconds kDefaultValidity = 10 * 365 * 86400;

// Fields that change the CA's identity or key: a new key and certificate.
constexpr std::string_view kIdentityFields[] = {
    "spec.type",   "spec.subject", "spec.keyAlgorithm", "spec.signingAlgorithm", "spec.pathLength",
    "spec.kmsKey", "spec.parent",  "spec.template",     "spec.import",
};

bool is_identity_field(const std::string& field) {
  return std::find(std::begin(kIdentityFields), std::end(kIdentityFields), field) !=
         std::end(kIdentityFields);
}

// The hash a CA signs with: its signingAlgorithm's, else SHA-384 for a P-384
// key and SHA-256 otherwise (ignored for ED25519).
x509::Hash signing_hash(const nlohmann::json& spec) {
  if (spec.contains("signingAlgorithm")) {
    auto s = x509::signing_algorithm_from_name(spec["signingAlgorithm"].get<std::string>());
    if (s) return s->hash;
  }
  return pki::key_algorithm_field(spec) == x509::KeyAlgorithm::kEcP384 ? x509::Hash::kSha384
                                                                       : x509::Hash::kSha256;
}

// Keeps the certificates a renewal supersedes while they are valid, so a
// trust bundle can still carry them.
nlohmann::json previous_certificates(const nlohmann::json& recorded, UnixTime now) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : recorded.value("previous_certificates", nlohmann::json::array()))
    if (c.value("not_after_unix", UnixTime{0}) > now) out.push_back(c);
  if (recorded.value("not_after_unix", UnixTime{0}) > now)
    out.push_back({{"certificate_pem", recorded.value("certificate_pem", "")},
                   {"fingerprint_sha256", recorded.value("fingerprint_sha256", "")},
                   {"not_after_unix", recorded.value("not_after_unix", UnixTime{0})}});
  return out;
}

class CertificateAuthorityProvider : public Provider {
 public:
  std::string_view kind() const override { return "CertificateAuthority"; }

  std::vector<Reference> references(const Resource& r, const Project& p) const override {
    std::vector<Reference> refs;
    std::string kms = kms_key_address(r, p);
    if (!kms.empty()) refs.push_back({"/spec/kmsKey", kms});
    std::string parent = pki::parent_address(r.spec);
    if (!parent.empty()) refs.push_back({"/spec/parent", parent});
    return refs;
  }

  void validate(const Resource& r, const Config& c, const DiagnosticSink& error) const override {
    const nlohmann::json& spec = r.spec;
    pki::validate_hierarchy(r, c, error);
    pki::validate_name_policy(spec, error);
    if (spec.contains("deletionWindow")) {
      auto window = parse_duration(spec["deletionWindow"].get<std::string>());
      if (!window || *window < 7 * 86400 || *window > 30 * 86400)
        error("/spec/deletionWindow", "deletionWindow must be between 7d and 30d");
    }
    auto key =
        x509::key_algorithm_from_name(pki::string_field(spec, "keyAlgorithm", "EC_prime256v1"));
    std::string signing = pki::string_field(spec, "signingAlgorithm", "");
    auto s = x509::signing_algorithm_from_name(signing);
    if (key && s && s->family != x509::key_family(*key))
      error("/spec/signingAlgorithm",
            "signingAlgorithm " + signing + " does not fit keyAlgorithm " +
                spec.value("keyAlgorithm", std::string("EC_prime256v1")) + " (an " +
                std::string(x509::family_name(x509::key_family(*key))) + " key)");
    std::string country = spec.contains("subject")
                              ? pki::string_field(spec["subject"], "country", "")
                              : std::string();
    if (!country.empty() &&
        (country.size() != 2 || !std::isalpha(static_cast<unsigned char>(country[0])) ||
         !std::isalpha(static_cast<unsigned char>(country[1]))))
      error("/spec/subject/country",
            "country \"" + country + "\" must be a two-letter ISO 3166 code, e.g. \"DE\"");
    pki::validate_crl_settings(spec, error);
    if (spec.contains("validity") && !parse_duration(spec["validity"].get<std::string>()))
      error("/spec/validity", "validity must be a duration such as \"10y\"");
  }

  Change diff(const DiffInput& in) const override {
    Change c = decide(in);
    pki::mark_pending_outputs(in, c);
    return c;
  }

  Change decide(const DiffInput& in) const {
    const std::string parent = pki::parent_address(in.desired.spec);
    if (!in.recorded) {
      if (auto wait = pki::pending_issuer_reason(in, parent))
        return pki::no_op_because({*wait, "would create: not in state"}, true);
      return {ActionType::kCreate, {"not in state"}};
    }
    if (in.replace_requested)
      return {ActionType::kReplace, {"replacement requested with --replace"}};
    Change c;
    bool identity = false, validity = false;
    for (const auto& f : in.changed_fields) {
      c.reasons.push_back(f + " changed");
      identity |= is_identity_field(f);
      validity |= f == "spec.validity";
      // Constraints written into the certificate: signed anew, same key.
      validity |= f == "spec.nameConstraints" ||
                  (f == "spec.allowedNames" && in.desired.spec.value("nameConstraints", false));
    }
    if (auto parent = pki::parent_replaced_reason(in)) {
      c.reasons.push_back(*parent);
      identity = true;
    }
    if (identity) {
      c.type = ActionType::kReplace;
      if (auto wait = pki::pending_issuer_reason(in, pki::parent_address(in.desired.spec)))
        return pki::no_op_because({*wait, "would replace: " + c.reasons.front()}, true);
      return c;
    }
    // A CA signed outside keyform is never renewed here: validity is
    // recorded in place and the operator brings the new certificate.
    if (auto todo = pki::operator_action_needed(in); todo && c.reasons.empty()) return *todo;
    const bool outside =
        pki::has_external_parent(in.desired.spec) || pki::is_imported(in.desired.spec);
    auto due = outside
                   ? std::nullopt
                   : pki::recorded_renewal_reason(in.recorded->attributes, RenewalPolicy{}, in.now);
    if (due) c.reasons.push_back(*due);
    if (pki::pending_deletion(in.recorded->attributes))
      c.reasons.push_back("back in the configuration: restored from " +
                          pki::pending_deletion_reason(in.recorded->attributes));
    if (auto crl = pki::crl_refresh_reason(in.recorded->attributes, in.now))
      c.reasons.push_back(*crl);
    // An installed external CA has its first certificate, so its first CRL.
    if (pki::crl_settings(in.desired.spec).enabled && !pki::is_pending(*in.recorded) &&
        !in.recorded->attributes.value("crl", nlohmann::json::object()).contains("pem"))
      c.reasons.push_back("crl.enabled: no CRL signed yet");
    if (validity && !outside) c.type = ActionType::kRenew;
    if (due) c.type = ActionType::kRenew;
    if (c.type == ActionType::kNoOp && !c.reasons.empty()) c.type = ActionType::kUpdate;
    if (c.type == ActionType::kRenew)
      if (auto wait = pki::pending_issuer_reason(in, pki::parent_address(in.desired.spec)))
        return pki::no_op_because({*wait, "would renew: " + (due ? *due : c.reasons.front())},
                                  true);
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    const ActionType type = ctx.action.type;
    if (type == ActionType::kDelete) return {};  // the executor removes the objects
    if (type == ActionType::kRevoke) return pki::apply_revocations(ctx);
    // Removed from the configuration: the deletion window starts.
    if (type == ActionType::kUpdate && !ctx.desired) return pki::schedule_deletion(ctx);
    const Resource& r = *ctx.desired;
    const std::string address = r.address();
    const std::string kms = kms_key_address(r, ctx.config.project);
    std::vector<std::string> deps;
    if (!kms.empty()) deps.push_back(kms);
    if (std::string parent = pki::parent_address(r.spec); !parent.empty()) deps.push_back(parent);
    RecordedResource rec = record_from(r, deps);
    const bool enabled = r.spec.value("enabled", true);
    if (type != ActionType::kCreate && type != ActionType::kReplace && !ctx.recorded)
      throw Error(address + " is not in the state: cannot " + std::string(action_name(type)) +
                  " it");

    if (type == ActionType::kUpdate) {
      rec.attributes = ctx.recorded->attributes;
      rec.objects = ctx.recorded->objects;
      rec.attributes["enabled"] = enabled;
      set_sealing_kms(rec, sealing_kms(*ctx.recorded));
      pki::record_lifecycle(rec.attributes, r.spec);
      // Refreshes the CRL (it may be due) and follows spec.crl; a CA waiting
      // for its certificate has none (a CRL names its issuer by it).
      if (!pki::is_pending(rec)) pki::follow_crl_settings(rec, ctx.keyring, r.spec, ctx.now);
      return rec;
    }
    if (type != ActionType::kCreate && type != ActionType::kReplace && type != ActionType::kRenew)
      throw Error(address + ": a CertificateAuthority cannot " + std::string(action_name(type)));

    pki::CaMaterial m = pki::make_ca_material(ctx, signing_hash(r.spec), kDefaultValidity);
    if (!m.new_key) {
      rec.objects = ctx.recorded->objects;
      set_sealing_kms(rec, sealing_kms(*ctx.recorded));
    }
    // Sealed only once the certificate (or CSR) exists, so a failure leaves
    // no object.
    if (m.new_key)
      rec.objects["privateKey"] = ctx.keyring.seal(
          private_key_context(address, m.attributes.value("public_key_sha256", "")),
          x509::private_key_to_pem(m.key.get(), x509::KeyEncoding::kPkcs8), current_key(ctx, kms));

    rec.attributes = std::move(m.attributes);
    if (!rec.attributes.contains("key_algorithm"))
      rec.attributes["key_algorithm"] = pki::string_field(r.spec, "keyAlgorithm", "EC_prime256v1");
    rec.attributes["enabled"] = enabled;
    if (ctx.recorded) {
      // Trust bundles keep the superseded certificate while it is valid.
      rec.attributes["previous_certificates"] =
          previous_certificates(ctx.recorded->attributes, ctx.now);
      // CRL numbers keep increasing; a renewal (or an imported CA replaced
      // by its renewed files) keeps the key, so what it revoked stays
      // revoked. A new key starts an empty list: certificates of the old key
      // can no longer be revoked (docs/pki.md).
      if (auto crl = ctx.recorded->attributes.find("crl"); crl != ctx.recorded->attributes.end())
        rec.attributes["crl"] = {{"number", crl->value("number", uint64_t{0})}};
      const bool same_key = rec.attributes.value("public_key_sha256", "") ==
                            ctx.recorded->attributes.value("public_key_sha256", "");
      if (same_key && ctx.recorded->attributes.contains("revoked_certificates"))
        rec.attributes["revoked_certificates"] = ctx.recorded->attributes["revoked_certificates"];
    }
    // A replaced subordinate is revoked by its parent after this entry is
    // durable; until the parent's list holds it, it is pending here.
    if (auto parent = ctx.deps.find(pki::parent_address(r.spec));
        ctx.recorded && parent != ctx.deps.end() && parent->second) {
      nlohmann::json pending = pki::carry_pending_revocations(
          ctx.recorded->attributes, parent->second->attributes, type == ActionType::kReplace);
      if (!pending.empty()) rec.attributes["revocation_pending"] = std::move(pending);
    }
    pki::record_lifecycle(rec.attributes, r.spec);
    // A CA waiting for its certificate (PENDING_CERTIFICATE) has no CRL yet:
    // a CRL names its issuer by the certificate.
    if (m.cert)
      pki::apply_crl_settings(rec.attributes, m.key.get(), pki::crl_settings(r.spec), ctx.now);
    return rec;
  }

  // A CA renews at two thirds of its lifetime, as diff() plans it; its CRL
  // is refreshed with a third of its validity left.
  Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const override {
    if (pki::is_pending(recorded))
      return {Observation::kNotChecked, {"PENDING_CERTIFICATE: no certificate installed yet"}};
    Observation o = pki::observe_certificate(recorded, RenewalPolicy{}, ctx);
    // A CRL due for refresh is due like a renewal: relying parties are about
    // to hold an expired one.
    if (auto crl = pki::crl_refresh_reason(recorded.attributes, ctx.now))
      o.note(Observation::kModified, *crl);
    return o;
  }
};

}  // namespace

std::unique_ptr<Provider> make_certificate_authority_provider() {
  return std::make_unique<CertificateAuthorityProvider>();
}

}  // namespace keyform
