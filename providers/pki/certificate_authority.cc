#include "providers/pki/certificate_authority.h"

#include <algorithm>
#include <cctype>

#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/certificate_drift.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/revocation_list.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform {

namespace {

constexpr Seconds kDefaultValidity = 10 * 365 * 86400;

// Fields that change the CA's identity or key: a new key and certificate.
constexpr std::string_view kIdentityFields[] = {
    "spec.type",       "spec.subject", "spec.keyAlgorithm", "spec.signingAlgorithm",
    "spec.pathLength", "spec.kmsKey",  "spec.parent",
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
    std::string kms = kms_key_address(r, p);
    if (kms.empty()) return {};
    return {{"/spec/kmsKey", kms}};
  }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    const nlohmann::json& spec = r.spec;
    if (pki::string_field(spec, "type", "root") == "subordinate")
      error("/spec/type", "type: subordinate is not supported yet");
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
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    if (in.replace_requested)
      return {ActionType::kReplace, {"replacement requested with --replace"}};
    Change c;
    bool identity = false, validity = false;
    for (const auto& f : in.changed_fields) {
      c.reasons.push_back(f + " changed");
      identity |= is_identity_field(f);
      validity |= f == "spec.validity";
    }
    if (identity) {
      c.type = ActionType::kReplace;
      return c;
    }
    auto due = pki::recorded_renewal_reason(in.recorded->attributes, RenewalPolicy{}, in.now);
    if (due) c.reasons.push_back(*due);
    if (pki::pending_deletion(in.recorded->attributes))
      c.reasons.push_back("back in the configuration: restored from " +
                          pki::pending_deletion_reason(in.recorded->attributes));
    if (auto crl = pki::crl_refresh_reason(in.recorded->attributes, in.now))
      c.reasons.push_back(*crl);
    if (validity || due)
      c.type = ActionType::kRenew;
    else if (!c.reasons.empty())
      c.type = ActionType::kUpdate;
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
    RecordedResource rec =
        record_from(r, kms.empty() ? std::vector<std::string>{} : std::vector<std::string>{kms});
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
      // Refreshes the CRL (it may be due) and follows spec.crl.
      pki::follow_crl_settings(rec, ctx.keyring, r.spec, ctx.now);
      return rec;
    }
    if (type != ActionType::kCreate && type != ActionType::kReplace && type != ActionType::kRenew)
      throw Error(address + ": a CertificateAuthority cannot " + std::string(action_name(type)));

    const x509::KeyAlgorithm algorithm = pki::key_algorithm_field(r.spec);
    x509::PkeyPtr key;
    if (type == ActionType::kRenew) {
      rec.objects = ctx.recorded->objects;
      set_sealing_kms(rec, sealing_kms(*ctx.recorded));
      key = x509::private_key_from_pem(
          ctx.keyring.open(object_id(rec, "privateKey"), private_key_context(*ctx.recorded)));
    } else {
      key = x509::generate_key(algorithm);
    }

    x509::RootCaRequest req;
    req.subject = pki::subject_field(r.spec.value("subject", nlohmann::json::object()), "");
    req.key = key.get();
    req.hash = signing_hash(r.spec);
    if (r.spec.contains("pathLength")) req.path_length = r.spec["pathLength"].get<int>();
    req.validity = {ctx.now, pki::duration_field(r.spec, "validity", kDefaultValidity)};
    x509::CertPtr cert = x509::make_root_ca(req);

    // Sealed only once the certificate exists, so a failure leaves no object.
    if (type != ActionType::kRenew)
      rec.objects["privateKey"] = ctx.keyring.seal(
          private_key_context(address, x509::public_key_sha256(cert.get())),
          x509::private_key_to_pem(key.get(), x509::KeyEncoding::kPkcs8), current_key(ctx, kms));

    rec.attributes = pki::certificate_attributes(cert.get());
    rec.attributes["subject"] = x509::subject_line(cert.get());
    rec.attributes["key_algorithm"] = pki::string_field(r.spec, "keyAlgorithm", "EC_prime256v1");
    rec.attributes["enabled"] = enabled;
    if (ctx.recorded) {
      // Trust bundles keep the superseded certificate while it is valid.
      rec.attributes["previous_certificates"] =
          previous_certificates(ctx.recorded->attributes, ctx.now);
      // CRL numbers keep increasing; a renewal keeps the key, so what it
      // revoked stays revoked. A new key starts an empty list: certificates
      // of the old key can no longer be revoked (docs/pki.md).
      if (auto crl = ctx.recorded->attributes.find("crl"); crl != ctx.recorded->attributes.end())
        rec.attributes["crl"] = {{"number", crl->value("number", uint64_t{0})}};
      if (type == ActionType::kRenew && ctx.recorded->attributes.contains("revoked_certificates"))
        rec.attributes["revoked_certificates"] = ctx.recorded->attributes["revoked_certificates"];
    }
    pki::record_lifecycle(rec.attributes, r.spec);
    pki::apply_crl_settings(rec.attributes, key.get(), pki::crl_settings(r.spec), ctx.now);
    return rec;
  }

  // A CA renews at two thirds of its lifetime, as diff() plans it; its CRL
  // is refreshed with a third of its validity left.
  Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const override {
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
