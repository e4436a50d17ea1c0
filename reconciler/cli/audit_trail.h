#pragma once
// Appending to the audit log from commands: who is acting (the project's
// owner principal, the user@host running keyform), the clock (the system
// time, and KEYFORM_NOW when it overrides the clock), and an observer that
// records every action of apply.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "reconciler/cli/workspace.h"
#include "reconciler/executor.h"
#include "state/audit_log.h"

namespace keyform::cli {

// A record with time, keyform_now and actor filled in.
AuditRecord audit_record(const std::string& principal, const std::string& action,
                         const std::string& resource, const std::string& version,
                         const std::string& outcome, const std::string& detail = "");

// The hook for secret reads (`secret get`, deployments): one call appends
// one durable record, outcome "ok" or "denied" (detail: the decision's
// reason). Safe under a shared state lock.
void audit_secret_read(Workspace& ws, const std::string& principal, const std::string& resource,
                       const std::string& version, const std::string& outcome,
                       const std::string& detail = "");

// Forwards to `next` and records each finished, failed or skipped action as
// the project's owner (apply_principal). A DeploymentTarget whose source is
// a Secret also records the read: secret:GetSecretValue on the source (with
// the deployed version), and on each pkcs12 passwordFrom Secret, as the
// target's principal. Records are appended in batches (at most 100 ms or 256
// records apart) so the audit costs no fsync per action; flush() appends
// what is left and must be called once execute() returns.
class AuditingObserver : public ExecutionObserver {
 public:
  AuditingObserver(Backend& backend, ExecutionObserver& next, const Config& config);
  void started(const Action& a) override { next_.started(a); }
  void finished(const Action& a, const RecordedResource* entry,
                std::chrono::milliseconds took) override;
  void failed(const Action& a, const std::string& error) override;
  void skipped(const Action& a, const std::string& because) override;
  void warning(const std::string& m) override { next_.warning(m); }
  void flush();

 private:
  void add(AuditRecord r);
  void add_secret_read(const Action& a, const std::string& outcome, const std::string& detail,
                       const RecordedResource* entry);
  Backend& backend_;
  const Config& config_;
  ExecutionObserver& next_;
  std::string principal_;
  std::vector<AuditRecord> pending_;
  std::chrono::steady_clock::time_point last_flush_;
};

// The principal apply acts as: the owner principal of the project.
std::string apply_principal(const Config& config);

}  // namespace keyform::cli
