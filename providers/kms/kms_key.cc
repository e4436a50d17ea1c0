#include "providers/kms/kms_key.h"

#include "providers/deletion_window.h"
#include "util/error.h"

namespace keyform {

namespace {

constexpr Seconds kDay = 86400;
constexpr Seconds kMinRotation = 90 * kDay;
constexpr Seconds kMinDeletionWindow = 7 * kDay;
constexpr Seconds kMaxDeletionWindow = 30 * kDay;

std::optional<Seconds> rotation_every(const nlohmann::json& spec) {
  auto rotation = spec.find("rotation");
  if (rotation == spec.end() || !rotation->contains("every")) return std::nullopt;
  return parse_duration((*rotation)["every"].get<std::string>());
}

// When the current version was created; nullopt when the record has none.
std::optional<UnixTime> current_version_created(const nlohmann::json& attributes) {
  int current = attributes.value("current_version", 0);
  for (const auto& v : attributes.value("versions", nlohmann::json::array()))
    if (v.value("version", 0) == current) return v.value("created_unix", UnixTime{0});
  return std::nullopt;
}

nlohmann::json version_entry(int version, UnixTime created) {
  return {{"version", version}, {"created", format_rfc3339(created)}, {"created_unix", created}};
}

class KmsKeyProvider : public Provider {
 public:
  std::string_view kind() const override { return "KmsKey"; }

  std::vector<Reference> references(const Resource&, const Project&) const override { return {}; }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    if (r.spec.contains("rotation") && r.spec["rotation"].contains("every")) {
      auto every = rotation_every(r.spec);
      if (!every || *every < kMinRotation)
        error("/spec/rotation/every", "rotation.every must be a duration of at least 90d");
    }
    if (r.spec.contains("deletionWindow")) {
      auto window = parse_duration(r.spec["deletionWindow"].get<std::string>());
      if (!window || *window < kMinDeletionWindow || *window > kMaxDeletionWindow)
        error("/spec/deletionWindow", "deletionWindow must be between 7d and 30d");
    }
  }

  Change diff_removed(const RecordedResource& recorded, UnixTime now) const override {
    return windowed_removal(recorded, now, "deletionWindow");
  }

  Change diff(const DiffInput& in) const override {
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    Change c;
    if (pending_deletion(*in.recorded))
      c.reasons.push_back(
          "back in the configuration within its deletionWindow: deletion cancelled");
    for (const auto& f : in.changed_fields) c.reasons.push_back(f + " changed");
    if (!c.reasons.empty()) c.type = ActionType::kUpdate;
    // Replacing a KmsKey would strand every object sealed under it.
    if (in.replace_requested) {
      c.type = ActionType::kRotate;
      c.reasons.push_back("replacement requested with --replace: a KmsKey rotates instead");
      return c;
    }
    auto every = rotation_every(in.desired.spec);
    auto created = current_version_created(in.recorded->attributes);
    if (every && created && in.desired.spec.value("enabled", true) && in.now - *created >= *every) {
      c.type = ActionType::kRotate;
      c.reasons.push_back("last rotated " + format_duration(in.now - *created) + " ago, every " +
                          format_duration(*every));
    }
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    const ActionType type = ctx.action.type;
    if (type == ActionType::kDelete) {
      RecordedResource pending = windowed_delete(ctx);
      // Pending deletion: neither seals nor opens from now on.
      if (!pending.kind.empty()) {
        pending.attributes["key_state"] = "PENDING_DELETION";
        ctx.keyring.set_key_enabled(ctx.action.address, false);
      }
      return pending;
    }
    const Resource& r = *ctx.desired;
    const std::string address = r.address();
    RecordedResource rec = record_from(r, {});
    const bool enabled = r.spec.value("enabled", true);
    auto window = parse_duration(r.spec.value("deletionWindow", std::string("30d")));
    record_deletion_window(rec, window.value_or(kMaxDeletionWindow));
    // Later actions of this run see the key as this one leaves it.
    ctx.keyring.set_key_enabled(address, enabled);

    if (type == ActionType::kCreate) {
      rec.objects["v1"] = ctx.keyring.create_kms_material(address, 1);
      rec.attributes["current_version"] = 1;
      rec.attributes["versions"] = nlohmann::json::array({version_entry(1, ctx.now)});
      rec.attributes["enabled"] = enabled;
      rec.attributes["key_state"] = enabled ? "ENABLED" : "DISABLED";
      return rec;
    }
    if (!ctx.recorded)
      throw Error(address + " is not in the state: cannot " + std::string(action_name(type)) +
                  " it");
    const nlohmann::json window_attr = rec.attributes["deletion_window_seconds"];
    rec.attributes = ctx.recorded->attributes;
    rec.attributes["deletion_window_seconds"] = window_attr;
    rec.objects = ctx.recorded->objects;
    cancel_deletion(rec);
    rec.attributes["enabled"] = enabled;
    rec.attributes["key_state"] = enabled ? "ENABLED" : "DISABLED";
    if (type == ActionType::kUpdate) return rec;
    if (type != ActionType::kRotate)
      throw Error(address + ": a KmsKey cannot " + std::string(action_name(type)));

    int next = 1;
    for (const auto& v : rec.attributes.value("versions", nlohmann::json::array()))
      next = std::max(next, v.value("version", 0) + 1);
    rec.objects["v" + std::to_string(next)] = ctx.keyring.create_kms_material(address, next);
    rec.attributes["versions"].push_back(version_entry(next, ctx.now));
    rec.attributes["current_version"] = next;
    return rec;
  }

  // Every version's material must still open: objects sealed under an older
  // version need it as much as new ones need the current one.
  Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const override {
    Observation o;
    const std::string address = recorded.address();
    for (const auto& v : recorded.attributes.value("versions", nlohmann::json::array())) {
      const int version = v.value("version", 0);
      const std::string role = "v" + std::to_string(version);
      auto object = recorded.objects.find(role);
      if (object == recorded.objects.end()) {
        o.note(Observation::kModified,
               "version " + std::to_string(version) + " has no key material recorded");
        continue;
      }
      if (!ctx.keyring) {
        o.note(Observation::kNotChecked,
               "version " + std::to_string(version) + " not checked: no root key available");
        continue;
      }
      try {
        // The context Keyring::create_kms_material seals the material under.
        SecretBytes material = ctx.keyring->open(object->second, address + "#material/" + role);
        material.cleanse();
      } catch (const Error& e) {
        o.note(Observation::kModified, "version " + std::to_string(version) +
                                           " key material cannot be opened: " + e.what());
      }
    }
    return o;
  }
};

}  // namespace

std::unique_ptr<Provider> make_kms_key_provider() { return std::make_unique<KmsKeyProvider>(); }

}  // namespace keyform
