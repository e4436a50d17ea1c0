#pragma once
// The audit log: an append-only, hash-chained record of every action of
// apply and every secret read. Each record is one line of JSON carrying its
// position (seq), the SHA-256 of the record before it (prev) and its own
// (hash, over the record's canonical JSON without "hash"), so `keyform
// audit verify` can say which record was edited, removed or moved.
//
// What the chain cannot show: records cut from the end (the log is simply
// shorter), and a log rewritten wholesale with fresh hashes. verify prints
// the head (last seq and hash) so it can be kept elsewhere and compared
// (docs/security.md).
//
// Storage is the backend's (Backend::append_audit, read_audit); this file
// owns the format and the chaining, the same for every backend.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "state/backend.h"
#include "util/time.h"

namespace keyform {

struct AuditRecord {
  uint64_t seq = 0;         // 1-based position in the log; set by append
  std::string time;         // RFC 3339, the system clock when it was written
  std::string keyform_now;  // KEYFORM_NOW when the clock was overridden, else ""
  std::string principal;    // account:<id>/role:<name> the action was done as
  std::string actor;        // user@host that ran keyform
  std::string action;       // "create", "renew", "share", "secret:GetSecretValue", ...
  std::string resource;     // "Certificate/web"
  std::string version;      // serial, key version or secret version; "" when none
  std::string outcome;      // "ok", "failed", "denied"
  std::string detail;       // the reason of a failure or refusal; never secret material
  std::string prev;         // hash of the record before (64 zeros for the first)
  std::string hash;         // set by append

  nlohmann::json to_json() const;
  static AuditRecord from_json(const nlohmann::json& j);  // throws on a malformed record
};

// The SHA-256 (hex) of a record's canonical JSON without "hash".
std::string audit_hash(const AuditRecord& r);

// Chains `records` after the log's last one and appends them durably (one
// fsync); concurrent appenders are serialized by the backend.
void append_audit(Backend& backend, std::vector<AuditRecord> records);

// One finding of verify: the line (1-based) and what is wrong with it.
struct AuditProblem {
  size_t line = 0;
  std::string message;
};
struct AuditVerification {
  size_t records = 0;
  std::string head;  // hash of the last record ("" for an empty log)
  std::vector<AuditProblem> problems;
  bool ok() const { return problems.empty(); }
};
// Checks every line: each parses, its hash matches its contents, its seq is
// its position and its prev is the hash of the line before.
AuditVerification verify_audit(const std::vector<std::string>& lines);

// Fields an action's record takes from its entry: the certificate serial,
// else the KmsKey's current version, else a secret's version id.
std::string audit_version(const nlohmann::json& attributes);

}  // namespace keyform
