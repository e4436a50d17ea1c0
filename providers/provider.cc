#include "providers/provider.h"

#include <algorithm>

#include "providers/builtin.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

void Provider::validate(const Resource&, const Config&, const DiagnosticSink&) const {}
void Provider::validate_all(const Config&, const ConfigDiagnosticSink&) const {}
std::vector<std::string> Provider::located_fields(const Resource&) const { return {}; }

Change Provider::diff_removed(const RecordedResource&, UnixTime) const {
  return {ActionType::kDelete, {"not in the configuration"}};
}

Observation Provider::observe(const RecordedResource&, ObserveContext&) const {
  Observation o;
  o.note(Observation::kNotChecked, "not observed for this kind");
  return o;
}

namespace {
int severity(Observation::Status s) {
  switch (s) {
    case Observation::kInSync:
      return 0;
    case Observation::kNotChecked:
      return 1;
    case Observation::kModified:
      return 2;
    case Observation::kDeleted:
      return 3;
  }
  return 0;
}
}  // namespace

void Observation::note(Status s, std::string detail) {
  if (severity(s) > severity(status)) status = s;
  if (!detail.empty()) details.push_back(std::move(detail));
}

std::string_view observation_status_name(Observation::Status s) {
  switch (s) {
    case Observation::kInSync:
      return "IN_SYNC";
    case Observation::kModified:
      return "MODIFIED";
    case Observation::kDeleted:
      return "DELETED";
    case Observation::kNotChecked:
      return "NOT_CHECKED";
  }
  return "UNKNOWN";
}

void ProviderRegistry::add(std::unique_ptr<Provider> p) {
  std::string k(p->kind());
  providers_[k] = std::move(p);
}

const Provider* ProviderRegistry::find(std::string_view kind) const {
  auto it = providers_.find(kind);
  return it == providers_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ProviderRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [k, p] : providers_) out.push_back(k);
  return out;
}

const ProviderRegistry& builtin_providers() {
  static const ProviderRegistry registry = [] {
    ProviderRegistry r;
    r.add(make_kms_key_provider());
    r.add(make_certificate_authority_provider());
    r.add(make_certificate_provider());
    r.add(make_deployment_target_provider());
    r.add(make_trust_bundle_provider());
    r.add(make_resource_policy_provider());
    r.add(make_secret_provider());
    return r;
  }();
  return registry;
}

void digest_resource(const Resource& r, std::string* whole,
                     std::map<std::string, std::string>* fields) {
  // nlohmann::json objects keep keys sorted, so dump() is canonical.
  nlohmann::json envelope = {{"description", r.description},
                             {"tags", r.tags},
                             {"dependsOn", r.depends_on},
                             {"deletionProtection", r.deletion_protection},
                             {"spec", r.spec}};
  if (whole) *whole = sha256_hex(envelope.dump());
  if (fields) {
    // Per-field digests only say which field changed (the whole digest says
    // whether anything did), so 64 bits each keep the state small.
    auto short_digest = [](const nlohmann::json& v) { return sha256_hex(v.dump()).substr(0, 16); };
    fields->clear();
    for (const auto& [k, v] : envelope.items()) {
      if (k == "spec") continue;
      (*fields)[k] = short_digest(v);
    }
    for (const auto& [k, v] : r.spec.items()) (*fields)["spec." + k] = short_digest(v);
  }
}

RecordedResource record_from(const Resource& desired, std::vector<std::string> dependencies) {
  RecordedResource rec;
  rec.kind = desired.kind;
  rec.name = desired.name;
  digest_resource(desired, &rec.spec_digest, &rec.field_digests);
  rec.deletion_protection = desired.deletion_protection;
  std::sort(dependencies.begin(), dependencies.end());
  dependencies.erase(std::unique(dependencies.begin(), dependencies.end()), dependencies.end());
  rec.dependencies = std::move(dependencies);
  return rec;
}

const std::string& object_id(const RecordedResource& r, const std::string& role) {
  auto it = r.objects.find(role);
  if (it == r.objects.end())
    throw Error(r.address() + " has no " + role + " recorded in the state");
  return it->second;
}

std::string sealing_kms(const RecordedResource& r) {
  for (const std::string& d : r.dependencies)
    if (d.starts_with("KmsKey/")) return d;
  return "";
}

void set_sealing_kms(RecordedResource& r, const std::string& kms) {
  std::erase_if(r.dependencies, [](const std::string& d) { return d.starts_with("KmsKey/"); });
  if (!kms.empty()) r.dependencies.push_back(kms);
  std::sort(r.dependencies.begin(), r.dependencies.end());
}

std::string private_key_context(const std::string& address, const std::string& public_key_sha256) {
  return address + "#privateKey@" + public_key_sha256;
}

std::string private_key_context(const RecordedResource& r) {
  return private_key_context(r.address(), r.attributes.value("public_key_sha256", ""));
}

std::string kms_key_address(const Resource& r, const Project& p) {
  if (r.spec.contains("kmsKey")) return "KmsKey/" + r.spec["kmsKey"].get<std::string>();
  if (p.defaults.contains("kmsKey")) return "KmsKey/" + p.defaults["kmsKey"].get<std::string>();
  return "";
}

KeyRef current_key(const ApplyContext& ctx, const std::string& kms_address) {
  KeyRef ref;
  if (kms_address.empty()) return ref;
  auto it = ctx.deps.find(kms_address);
  if (it == ctx.deps.end() || !it->second)
    throw Error(kms_address + " is not in the state yet; apply it first");
  const RecordedResource& kms = *it->second;
  if (!kms.attributes.value("enabled", true))
    throw Error(kms_address + " is disabled: it cannot encrypt new objects");
  int version = kms.attributes.value("current_version", 0);
  auto obj = kms.objects.find("v" + std::to_string(version));
  if (version <= 0 || obj == kms.objects.end())
    throw Error(kms_address + " has no key material recorded");
  ref.kms_address = kms_address;
  ref.version = version;
  ref.material_object = obj->second;
  return ref;
}

}  // namespace keyform
