#include "providers/secrets/secret.h"

#include "providers/deletion_window.h"
#include "providers/secrets/postgres_client.h"
#include "providers/secrets/rotation_strategy.h"
#include "providers/secrets/sealed_value.h"
#include "providers/secrets/secret_read.h"
#include "providers/secrets/secret_rotation.h"
#include "providers/secrets/secret_value.h"
#include "providers/secrets/secret_versions.h"
#include "util/error.h"

namespace keyform {

namespace {

using namespace secrets;

constexpr Seconds kDay = 86400;

std::string certificate_address(const nlohmann::json& spec) {
  if (value_source(spec) != "certificate") return "";
  return "Certificate/" + spec["value"]["certificate"].get<std::string>();
}

std::optional<Seconds> rotation_every(const nlohmann::json& spec) {
  auto rotation = spec.find("rotation");
  if (rotation == spec.end() || !rotation->contains("every")) return std::nullopt;
  return parse_duration((*rotation)["every"].get<std::string>());
}

std::string strategy_name(const nlohmann::json& spec) {
  return strategy_attributes(spec).value("strategy", "regenerate");
}

// The certificate bundle: the certificate, its key, and the chain above it
// (issuers in order, from the recorded entries the run left).
SecretBytes certificate_bundle(ApplyContext& ctx, const std::string& cert_address) {
  auto find = [&](const std::string& a) -> const RecordedResource* {
    auto it = ctx.deps.find(a);
    return it == ctx.deps.end() ? nullptr : it->second.get();
  };
  const RecordedResource* cert = find(cert_address);
  if (!cert) throw Error(cert_address + " is not in the state yet; apply it first");
  std::string chain;
  const RecordedResource* at = cert;
  for (int depth = 0; depth < 16; ++depth) {
    const RecordedResource* issuer = find(at->attributes.value("issuer", ""));
    if (!issuer || issuer == at) break;
    chain += issuer->attributes.value("certificate_pem", "");
    at = issuer;
  }
  SecretBytes key = ctx.keyring.open(object_id(*cert, "privateKey"), private_key_context(*cert));
  nlohmann::json bundle = {{"CERTIFICATE_PEM", cert->attributes.value("certificate_pem", "")},
                           {"PRIVATE_KEY_PEM", std::string(key.view())},
                           {"CERTIFICATE_CHAIN_PEM", chain},
                           {"CERTIFICATE_SERIAL", cert->attributes.value("serial", "")}};
  SecretBytes out(bundle.dump());
  std::string& k = bundle["PRIVATE_KEY_PEM"].get_ref<std::string&>();
  std::fill(k.begin(), k.end(), '\0');
  return out;
}

// The value of a new version, as spec.value says.
SecretBytes new_value(ApplyContext& ctx, const Resource& r, const std::string& username) {
  const nlohmann::json& value = r.spec["value"];
  const std::string source = value_source(r.spec);
  if (source == "generate") return generate_value(value["generate"]);
  if (source == "fields") {
    nlohmann::json fields = value["fields"];
    if (!username.empty()) fields["username"] = username;
    return fields_value(fields);
  }
  if (source == "certificate") return certificate_bundle(ctx, certificate_address(r.spec));
  if (source == "sealed") {
    if (ctx.seal_key_object.empty())
      throw Error(r.address() + ": the project has no seal key yet; run keyform seal to make one");
    SecretBytes key = ctx.keyring.open(ctx.seal_key_object, kSealKeyContext);
    return open_sealed_value(value["sealed"].get<std::string>(), key);
  }
  throw Error(r.address() + ": spec.value has no source");
}

class SecretProvider : public Provider {
 public:
  std::string_view kind() const override { return "Secret"; }

  std::vector<Reference> references(const Resource& r, const Project& p) const override {
    std::vector<Reference> refs;
    std::string kms = kms_key_address(r, p);
    if (!kms.empty()) refs.push_back({"/spec/kmsKey", kms});
    std::string cert = certificate_address(r.spec);
    if (!cert.empty()) refs.push_back({"/spec/value/certificate", cert});
    return refs;
  }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    const nlohmann::json& spec = r.spec;
    validate_value(spec, error);
    const std::string strategy = strategy_name(spec);
    const nlohmann::json rotation = spec.value("rotation", nlohmann::json::object());
    if (rotation.contains("every") && !regenerable(spec) && value_source(spec) != "")
      error("/spec/rotation/every",
            "rotation.every needs a value keyform can draw again (generate, or fields with a "
            "generated field); a " +
                value_source(spec) + " value changes when its source does");
    if (is_postgres_strategy(strategy)) {
      if (!rotation.contains("postgres"))
        error("/spec/rotation", "strategy " + strategy + " needs rotation.postgres");
      const std::string source = value_source(spec);
      const nlohmann::json& value = spec["value"];
      bool password =
          source == "generate" || (source == "fields" && value["fields"].contains("password") &&
                                   value["fields"]["password"].is_object());
      if (!source.empty() && !password)
        error("/spec/value", "strategy " + strategy +
                                 " needs a generated password: value.generate, or value.fields "
                                 "with password: {generate: ...}");
    } else if (rotation.contains("postgres")) {
      error("/spec/rotation/postgres",
            "rotation.postgres applies only to the postgres-single-user and "
            "postgres-alternating-users strategies");
    }
    if (spec.contains("recoveryWindow")) {
      auto window = parse_duration(spec["recoveryWindow"].get<std::string>());
      if (!window || *window < 7 * kDay || *window > 30 * kDay)
        error("/spec/recoveryWindow", "recoveryWindow must be between 7d and 30d");
    }
  }

  Change diff_removed(const RecordedResource& recorded, UnixTime now) const override {
    return windowed_removal(recorded, now, "recoveryWindow");
  }

  Change diff(const DiffInput& in) const override {
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    const nlohmann::json& attrs = in.recorded->attributes;
    Change c;
    bool rotate = false;
    if (pending_deletion(*in.recorded)) {
      // Restored: and, like any recorded Secret, made anew below when what it
      // was made from moved on meanwhile, so one apply converges.
      c.reasons.push_back("back in the configuration within its recoveryWindow: restored");
      rotate = attrs.contains("rotation");
    } else if (attrs.contains("rotation")) {
      const nlohmann::json& r = attrs["rotation"];
      return {ActionType::kRotate,
              {"resuming the rotation to version " + r.value("version", "") +
               " (interrupted after step " + r.value("step", "") + ")"}};
    }
    for (const auto& f : in.changed_fields) {
      c.reasons.push_back(f + " changed");
      rotate |= f == "spec.value";
    }
    const std::string cert = certificate_address(in.desired.spec);
    const Action* cert_action = cert.empty() || !in.planned ? nullptr : in.planned(cert);
    const bool cert_moves = cert_action && changes_outputs(cert_action->type);
    if (in.replace_requested) {
      // A bundle's value is its certificate's: alone, a new version bundles
      // the same one. Say so, and how to get a new certificate.
      c.reasons.push_back(cert.empty() || cert_moves
                              ? "rotation requested with --replace"
                              : "rotation requested with --replace: a new version bundling the "
                                "same " +
                                    cert + " (to re-issue it: --replace " + cert + ")");
      rotate = true;
    }
    const RecordedResource* recorded_cert = cert.empty() ? nullptr : in.state.find(cert);
    if (cert_moves) {
      c.reasons.push_back(cert + " " + std::string(action_name(cert_action->type)) +
                          "s: a new version follows it");
      rotate = true;
    } else if (recorded_cert && recorded_cert->attributes.value("serial", "") !=
                                    attrs.value("certificate_serial", "")) {
      c.reasons.push_back(cert + " was re-issued since the current version was made");
      rotate = true;
    }
    auto every = rotation_every(in.desired.spec);
    UnixTime last = attrs.value("last_rotated_unix", UnixTime{0});
    if (!rotate && every && in.now - last >= *every) {
      c.reasons.push_back("last rotated " + format_duration(in.now - last) + " ago, every " +
                          format_duration(*every));
      rotate = true;
    }
    if (rotate)
      c.type = ActionType::kRotate;
    else if (!c.reasons.empty())
      c.type = ActionType::kUpdate;
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    const ActionType type = ctx.action.type;
    if (type == ActionType::kDelete) return windowed_delete(ctx);
    const Resource& r = *ctx.desired;
    const std::string address = r.address();
    const std::string kms = kms_key_address(r, ctx.config.project);
    const std::string cert = certificate_address(r.spec);
    std::vector<std::string> deps;
    if (!kms.empty()) deps.push_back(kms);
    if (!cert.empty()) deps.push_back(cert);
    RecordedResource rec = record_from(r, deps);
    if (type != ActionType::kCreate && !ctx.recorded)
      throw Error(address + " is not in the state: cannot " + std::string(action_name(type)) +
                  " it");
    if (type != ActionType::kCreate && type != ActionType::kUpdate && type != ActionType::kRotate)
      throw Error(address + ": a Secret cannot " + std::string(action_name(type)));
    if (ctx.recorded) {
      rec.attributes = ctx.recorded->attributes;
      rec.objects = ctx.recorded->objects;
      cancel_deletion(rec);
    }
    record_deletion_window(
        rec,
        parse_duration(r.spec.value("recoveryWindow", std::string("30d"))).value_or(30 * kDay));
    const nlohmann::json strategy = strategy_attributes(r.spec);
    rec.attributes["source"] = value_source(r.spec);
    rec.attributes["strategy"] = strategy["strategy"];
    if (strategy.contains("postgres"))
      rec.attributes["postgres"] = strategy["postgres"];
    else
      rec.attributes.erase("postgres");
    if (value_source(r.spec) == "fields") {
      nlohmann::json names = nlohmann::json::array();
      for (const auto& [name, f] : r.spec["value"]["fields"].items()) names.push_back(name);
      if (is_postgres_strategy(strategy["strategy"]) &&
          !r.spec["value"]["fields"].contains("username"))
        names.push_back("username");
      rec.attributes["fields"] = std::move(names);
    } else {
      rec.attributes.erase("fields");
    }
    if (type == ActionType::kUpdate) {
      // Versions stay sealed where they are.
      if (ctx.recorded) set_sealing_kms(rec, sealing_kms(*ctx.recorded));
      return rec;
    }
    if (!cert.empty())
      if (auto it = ctx.deps.find(cert); it != ctx.deps.end() && it->second)
        rec.attributes["certificate_serial"] = it->second->attributes.value("serial", "");
    auto rotation = make_rotation_strategy(strategy);
    return rotate(ctx, std::move(rec), current_key(ctx, kms), *rotation,
                  [&](const std::string& username) { return new_value(ctx, r, username); });
  }

  // Every labelled version must open; for the postgres strategies the
  // server must still accept CURRENT (a login attempt).
  Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const override {
    Observation o;
    const std::string address = recorded.address();
    if (recorded.attributes.contains("rotation"))
      o.note(Observation::kNotChecked, "a rotation is half-way; the next apply finishes it");
    if (!ctx.keyring) {
      o.note(Observation::kNotChecked, "values not checked: no root key available");
      return o;
    }
    for (const auto& v : recorded.attributes.value("versions", nlohmann::json::array())) {
      try {
        read_secret_version(recorded, *ctx.keyring, {"", v.value("id", ""), ""}).cleanse();
      } catch (const Error& e) {
        o.note(Observation::kModified, e.what());
      }
    }
    auto strategy = make_rotation_strategy(recorded.attributes);
    const nlohmann::json* current = version_with_stage(recorded.attributes, kCurrent);
    if (!strategy->observable() || !current) return o;
    const std::string env = recorded.attributes["postgres"].value("env", "");
    const char* dsn = std::getenv(env.c_str());
    if (!dsn || !*dsn) {
      o.note(Observation::kNotChecked, "the server was not asked: " + env + " is not set");
      return o;
    }
    try {
      PgConnection reachable(dsn);  // a server that is down is not drift
    } catch (const Error& e) {
      o.note(Observation::kNotChecked, std::string("the server was not asked: ") + e.what());
      return o;
    }
    try {
      SecretBytes value = read_secret_version(recorded, *ctx.keyring, {"CURRENT", "", ""});
      const std::string user = current->value("username", "");
      std::string why = try_login(dsn, user, password_of(value, address));
      if (!why.empty())
        o.note(Observation::kModified, "the server no longer accepts CURRENT (version " +
                                           current->value("id", "") + ") for " + user + ": " + why);
    } catch (const Error& e) {
      o.note(Observation::kModified, e.what());
    }
    return o;
  }
};

}  // namespace

std::unique_ptr<Provider> make_secret_provider() { return std::make_unique<SecretProvider>(); }

}  // namespace keyform
