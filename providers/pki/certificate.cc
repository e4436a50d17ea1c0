#include "providers/pki/certificate.h"

#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/certificate_drift.h"
#include "providers/pki/host_key.h"
#include "providers/pki/key_policy.h"
#include "providers/pki/name_policy.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/revocation_list.h"
#include "providers/pki/san_syntax.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform {

namespace {

std::string issuer_address(const Resource& r) {
  return "CertificateAuthority/" + r.spec.value("issuer", std::string());
}

std::vector<std::string> string_list(const nlohmann::json& spec, const char* key) {
  return spec.value(key, std::vector<std::string>{});
}

// renewBefore and renewBeforePercentage only move the renewal date: a change
// to them is recorded in place, not a new certificate.
bool is_timing_field(const std::string& field) {
  return field == "spec.renewBefore" || field == "spec.renewBeforePercentage";
}

void validate_names(const nlohmann::json& spec, const char* key, bool (*valid)(std::string_view),
                    const char* what, const DiagnosticSink& error) {
  std::vector<std::string> names = string_list(spec, key);
  for (size_t i = 0; i < names.size(); ++i)
    if (!valid(names[i]))
      error("/spec/" + std::string(key) + "/" + std::to_string(i),
            "\"" + names[i] + "\" is not " + what);
}

class CertificateProvider : public Provider {
 public:
  std::string_view kind() const override { return "Certificate"; }

  std::vector<Reference> references(const Resource& r, const Project& p) const override {
    std::vector<Reference> refs = {{"/spec/issuer", issuer_address(r)}};
    std::string kms = kms_key_address(r, p);
    if (!kms.empty()) refs.push_back({"/spec/kmsKey", kms});
    return refs;
  }

  void validate(const Resource& r, const Config& c, const DiagnosticSink& error) const override {
    const nlohmann::json& spec = r.spec;
    bool has_identity = !pki::string_field(spec, "commonName", "").empty();
    for (const char* key : {"dnsNames", "ipAddresses", "uris", "emails"})
      has_identity |= !string_list(spec, key).empty();
    if (!has_identity)
      error("/spec",
            "at least one of commonName, dnsNames, ipAddresses, uris or emails is required");

    validate_names(
        spec, "dnsNames", [](std::string_view n) { return pki::valid_dns_name(n); },
        "a valid DNS name (RFC 1123 labels; a wildcard only as the whole left-most "
        "label, as in \"*.example.com\")",
        error);
    validate_names(spec, "ipAddresses", pki::valid_ip_address, "an IPv4 or IPv6 address", error);
    validate_names(spec, "emails", pki::valid_email, "an email address (local@domain)", error);
    validate_names(spec, "uris", pki::valid_uri, "a URI (scheme:...)", error);

    if (spec.contains("renewBefore")) {
      const std::string validity = pki::string_field(spec, "validity", "90d");
      const std::string renew_before = spec["renewBefore"].get<std::string>();
      auto v = parse_duration(validity), rb = parse_duration(renew_before);
      if (v && rb && *rb >= *v)
        error("/spec/renewBefore",
              "renewBefore " + renew_before + " must be shorter than validity " + validity);
    }
    // A certificate cannot outlive its issuer, as a private CA refuses it.
    if (const Resource* issuer = c.find(issuer_address(r))) {
      const std::string validity = pki::string_field(spec, "validity", "90d");
      const std::string ca_validity = pki::string_field(issuer->spec, "validity", "10y");
      auto v = parse_duration(validity), cv = parse_duration(ca_validity);
      if (v && cv && *v > *cv)
        error("/spec/validity", "validity " + validity + " is longer than the issuer " +
                                    issuer->address() + "'s validity " + ca_validity);
    }
    if (spec.contains("renewBefore") && spec.contains("renewBeforePercentage"))
      error("/spec/renewBeforePercentage", "set renewBefore or renewBeforePercentage, not both");
    pki::check_issuance_guardrails(c, r, error);

    auto key =
        x509::key_algorithm_from_name(pki::string_field(spec, "keyAlgorithm", "EC_prime256v1"));
    const nlohmann::json private_key = spec.value("privateKey", nlohmann::json::object());
    if (key == x509::KeyAlgorithm::kEd25519 &&
        pki::string_field(private_key, "encoding", "PKCS8") == "PKCS1")
      error("/spec/privateKey/encoding", "an ED25519 key has no PKCS1 encoding: use PKCS8");

    const Resource* issuer = c.find(issuer_address(r));
    if (issuer && spec.contains("signingHash") &&
        x509::key_algorithm_from_name(pki::string_field(issuer->spec, "keyAlgorithm", "")) ==
            x509::KeyAlgorithm::kEd25519)
      error("/spec/signingHash", "signingHash does not apply: the issuer " + issuer->address() +
                                     " signs with ED25519, which has no separate hash; remove it");
  }

  void validate_all(const Config& c, const ConfigDiagnosticSink& error) const override {
    pki::validate_host_key_users(c, error);
  }

  Change diff(const DiffInput& in) const override {
    if (pki::key_generated_on_host(in.desired.spec))
      return pki::host_key_plan(in.desired, in.config, in.recorded);
    const std::string issuer = issuer_address(in.desired);
    Change c = decide(in, issuer);
    if (c.type == ActionType::kNoOp || c.type == ActionType::kUpdate) return c;
    if (auto wait = pki::pending_issuer_reason(in, issuer)) {
      c.reasons.insert(c.reasons.begin(), *wait);
      c.reasons[1] = "would " + std::string(action_name(c.type)) + ": " + c.reasons[1];
      return pki::no_op_because(std::move(c.reasons), true);
    }
    if (in.recorded)
      c.reasons.push_back(pki::key_choice_reason(in.desired.spec, *in.recorded, in.changed_fields,
                                                 in.replace_requested));
    return c;
  }

  // The action and its reasons, before waiting and the key choice.
  Change decide(const DiffInput& in, const std::string& issuer) const {
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    if (in.replace_requested)
      return {ActionType::kReplace, {"replacement requested with --replace"}};
    Change c;
    bool replace = false;
    const bool policy_only =
        pki::only_rotation_policy_changed(in.desired.spec, *in.recorded, in.changed_fields);
    const Action* planned = in.planned ? in.planned(issuer) : nullptr;
    if (planned &&
        (planned->type == ActionType::kReplace || planned->type == ActionType::kCreate)) {
      c.reasons.push_back("issuer " + issuer + " is replaced");
      replace = true;
    } else if (const RecordedResource* ca = in.state.find(issuer);
               ca && ca->attributes.value("public_key_sha256", "") !=
                         in.recorded->attributes.value("issuer_public_key_sha256", "")) {
      // The issuer got a new key in an earlier run (--target, a failure, a
      // crash): this certificate no longer chains to it.
      c.reasons.push_back("issuer " + issuer + " was replaced since this certificate was issued");
      replace = true;
    }
    for (const auto& f : in.changed_fields) {
      c.reasons.push_back(f + " changed");
      replace |= f.starts_with("spec.") && !is_timing_field(f) && !policy_only;
    }
    if (replace) {
      c.type = ActionType::kReplace;
      return c;
    }
    auto due = pki::recorded_renewal_reason(in.recorded->attributes,
                                            pki::renewal_policy_field(in.desired.spec), in.now);
    if (due) {
      c.reasons.push_back(*due);
      c.type = ActionType::kRenew;
    } else if (!c.reasons.empty()) {
      c.type = ActionType::kUpdate;
    }
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    const ActionType type = ctx.action.type;
    if (type == ActionType::kDelete) return {};  // the executor removes the objects
    const Resource& r = *ctx.desired;
    const nlohmann::json& spec = r.spec;
    const std::string address = r.address();
    const std::string issuer_addr = issuer_address(r);
    const std::string kms = kms_key_address(r, ctx.config.project);
    std::vector<std::string> deps = {issuer_addr};
    if (!kms.empty()) deps.push_back(kms);
    RecordedResource rec = record_from(r, deps);
    if (type != ActionType::kCreate && type != ActionType::kReplace && !ctx.recorded)
      throw Error(address + " is not in the state: cannot " + std::string(action_name(type)) +
                  " it");

    if (type == ActionType::kUpdate) {
      rec.attributes = ctx.recorded->attributes;
      rec.objects = ctx.recorded->objects;
      set_sealing_kms(rec, sealing_kms(*ctx.recorded));
      return rec;
    }
    if (type != ActionType::kCreate && type != ActionType::kReplace && type != ActionType::kRenew)
      throw Error(address + ": a Certificate cannot " + std::string(action_name(type)));

    auto it = ctx.deps.find(issuer_addr);
    if (it == ctx.deps.end() || !it->second)
      throw Error(issuer_addr + " is not in the state yet; apply it first");
    const RecordedResource& issuer = *it->second;
    if (!issuer.attributes.value("enabled", true))
      throw Error(issuer_addr + " is disabled: it cannot issue");
    if (pki::is_pending(issuer))
      throw Error(issuer_addr +
                  " is PENDING_CERTIFICATE: install its certificate first (keyform ca "
                  "install " +
                  issuer_addr + ")");
    // validate refuses these already; a plan saved before a CA's guardrails
    // tightened still never issues past them.
    pki::check_issuance_guardrails(ctx.config, r, [&](const std::string&, const std::string& why) {
      throw Error("refused by the issuance guardrails: " + why);
    });

    const nlohmann::json private_key = spec.value("privateKey", nlohmann::json::object());
    const std::string encoding_name = pki::string_field(private_key, "encoding", "PKCS8");
    const auto encoding = x509::key_encoding_from_name(encoding_name);
    if (!encoding) throw Error(address + ": unknown privateKey.encoding " + encoding_name);
    const bool reuse_key = type != ActionType::kCreate && ctx.recorded &&
                           ctx.recorded->objects.count("privateKey") &&
                           pki::keeps_key(ctx.action, spec);
    // A kept key is sealed again only when its encoding changes.
    const bool reseal =
        !reuse_key || ctx.recorded->attributes.value("private_key_encoding",
                                                     std::string("PKCS8")) != encoding_name;
    x509::PkeyPtr key =
        reuse_key ? x509::private_key_from_pem(ctx.keyring.open(
                        object_id(*ctx.recorded, "privateKey"), private_key_context(*ctx.recorded)))
                  : x509::generate_key(pki::key_algorithm_field(spec));

    const x509::LeafRequest req = pki::certificate_leaf_request(r, key.get(), issuer, ctx.now);
    x509::CertPtr cert = pki::issue_with(req, issuer, ctx.keyring);

    // Sealed only once the certificate exists, so a failure leaves no object.
    if (!reseal) set_sealing_kms(rec, sealing_kms(*ctx.recorded));
    rec.objects["privateKey"] =
        !reseal ? object_id(*ctx.recorded, "privateKey")
                : ctx.keyring.seal(
                      private_key_context(address, x509::public_key_sha256(cert.get())),
                      x509::private_key_to_pem(key.get(), *encoding), current_key(ctx, kms));

    rec.attributes = pki::certificate_attributes(cert.get());
    rec.attributes["issuer"] = issuer_addr;
    rec.attributes["issuer_fingerprint"] = issuer.attributes.value("fingerprint_sha256", "");
    rec.attributes["issuer_public_key_sha256"] = issuer.attributes.value("public_key_sha256", "");
    rec.attributes["dns_names"] = req.dns_names;
    rec.attributes["common_name"] = req.subject.common_name;
    rec.attributes["key_algorithm"] = pki::string_field(spec, "keyAlgorithm", "EC_prime256v1");
    rec.attributes["private_key_encoding"] = encoding_name;
    // A replaced certificate is revoked by its issuer after this entry is
    // durable; until the issuer's list holds it, it is pending here.
    if (ctx.recorded) {
      nlohmann::json pending = pki::carry_pending_revocations(
          ctx.recorded->attributes, issuer.attributes, type == ActionType::kReplace);
      if (!pending.empty()) rec.attributes["revocation_pending"] = std::move(pending);
    }
    return rec;
  }

  // The renewal point is the configured one while the resource is still in
  // the configuration, the default otherwise.
  Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const override {
    const Resource* desired = ctx.config.find(recorded.address());
    return pki::observe_certificate(
        recorded, desired ? pki::renewal_policy_field(desired->spec) : RenewalPolicy{}, ctx);
  }
};

}  // namespace

std::unique_ptr<Provider> make_certificate_provider() {
  return std::make_unique<CertificateProvider>();
}

}  // namespace keyform
