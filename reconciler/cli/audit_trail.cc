#include "reconciler/cli/audit_trail.h"

#include <unistd.h>

#include <cstdlib>
#include <set>

#include "providers/policy/access_analysis.h"
#include "providers/policy/policy.h"

namespace keyform::cli {

namespace {

std::string actor() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(user && *user ? user : "uid " + std::to_string(::getuid())) + "@" + host;
}

}  // namespace

AuditRecord audit_record(const std::string& principal, const std::string& action,
                         const std::string& resource, const std::string& version,
                         const std::string& outcome, const std::string& detail) {
  AuditRecord r;
  r.time = format_rfc3339(SystemClock().now());
  if (const char* now = std::getenv("KEYFORM_NOW"); now && *now) r.keyform_now = now;
  r.actor = actor();
  r.principal = principal;
  r.action = action;
  r.resource = resource;
  r.version = version;
  r.outcome = outcome;
  r.detail = detail;
  return r;
}

void audit_secret_read(Workspace& ws, const std::string& principal, const std::string& resource,
                       const std::string& version, const std::string& outcome,
                       const std::string& detail) {
  append_audit(ws.backend(), {audit_record(principal, "secret:GetSecretValue", resource, version,
                                           outcome, detail)});
}

std::string apply_principal(const Config& config) {
  return config.project.account.empty() ? "account:-/role:owner"
                                        : policy::owner_principal(config.project);
}

AuditingObserver::AuditingObserver(Backend& backend, ExecutionObserver& next, const Config& config)
    : backend_(backend),
      config_(config),
      next_(next),
      principal_(apply_principal(config)),
      last_flush_(std::chrono::steady_clock::now()) {}

void AuditingObserver::finished(const Action& a, const RecordedResource* entry,
                                std::chrono::milliseconds took) {
  next_.finished(a, entry, took);
  add(audit_record(principal_, std::string(action_name(a.type)), a.address,
                   entry ? audit_version(entry->attributes) : "", "ok"));
  add_secret_read(a, "ok", "", entry);
}

void AuditingObserver::add_secret_read(const Action& a, const std::string& outcome,
                                       const std::string& detail, const RecordedResource* entry) {
  const Resource* target = config_.find(a.address);
  if (!target || target->kind != "DeploymentTarget" || a.type == ActionType::kDelete) return;
  const std::string principal = policy::target_principal(config_, *target);
  std::string source = target->spec.value("source", "");
  if (source.starts_with("Secret/")) {
    // The deployed version: the target records "version:<id>" for a Secret.
    std::string version = entry ? entry->attributes.value("source_fingerprint", "") : "";
    if (version.starts_with("version:")) version = version.substr(8);
    add(audit_record(principal, "secret:GetSecretValue", source, version, outcome, detail));
  }
  // Each pkcs12 password read from a Secret.
  std::set<std::string> passwords;
  for (const auto& f : target->spec.value("files", nlohmann::json::array()))
    if (f.contains("passwordFrom"))
      passwords.insert("Secret/" + f["passwordFrom"].value("secret", ""));
  for (const std::string& p : passwords)
    add(audit_record(principal, "secret:GetSecretValue", p, "", outcome, detail));
}

void AuditingObserver::failed(const Action& a, const std::string& error) {
  next_.failed(a, error);
  add(audit_record(principal_, std::string(action_name(a.type)), a.address, "", "failed", error));
  add_secret_read(a, "failed", error, nullptr);
}

void AuditingObserver::skipped(const Action& a, const std::string& because) {
  next_.skipped(a, because);
  add(audit_record(principal_, std::string(action_name(a.type)), a.address, "", "skipped",
                   because + " failed"));
}

void AuditingObserver::add(AuditRecord r) {
  pending_.push_back(std::move(r));
  auto now = std::chrono::steady_clock::now();
  if (pending_.size() < 256 && now - last_flush_ < std::chrono::milliseconds(100)) return;
  try {
    flush();
  } catch (const std::exception& e) {
    // Kept for the final flush, which reports a failure as an error.
    next_.warning(std::string("could not append to the audit log yet: ") + e.what());
    last_flush_ = now;
  }
}

void AuditingObserver::flush() {
  if (!pending_.empty()) append_audit(backend_, pending_);
  pending_.clear();
  last_flush_ = std::chrono::steady_clock::now();
}

}  // namespace keyform::cli
