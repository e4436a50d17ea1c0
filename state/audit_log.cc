#include "state/audit_log.h"

#include <algorithm>

#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

namespace {

const std::string kGenesis(64, '0');

nlohmann::json without_hash(const AuditRecord& r) {
  nlohmann::json j = {{"seq", r.seq},         {"time", r.time},       {"principal", r.principal},
                      {"actor", r.actor},     {"action", r.action},   {"resource", r.resource},
                      {"version", r.version}, {"outcome", r.outcome}, {"prev", r.prev}};
  if (!r.keyform_now.empty()) j["keyform_now"] = r.keyform_now;
  if (!r.detail.empty()) j["detail"] = r.detail;
  return j;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

nlohmann::json AuditRecord::to_json() const {
  nlohmann::json j = without_hash(*this);
  j["hash"] = hash;
  return j;
}

AuditRecord AuditRecord::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
      !j.contains("hash") || !j.contains("prev"))
    throw Error("not an audit record");
  AuditRecord r;
  r.seq = j["seq"].get<uint64_t>();
  r.time = j.value("time", "");
  r.keyform_now = j.value("keyform_now", "");
  r.principal = j.value("principal", "");
  r.actor = j.value("actor", "");
  r.action = j.value("action", "");
  r.resource = j.value("resource", "");
  r.version = j.value("version", "");
  r.outcome = j.value("outcome", "");
  r.detail = j.value("detail", "");
  r.prev = j.value("prev", "");
  r.hash = j.value("hash", "");
  return r;
}

std::string audit_hash(const AuditRecord& r) { return sha256_hex(without_hash(r).dump()); }

void append_audit(Backend& backend, std::vector<AuditRecord> records) {
  if (records.empty()) return;
  backend.append_audit([&](const std::string& last_line) {
    uint64_t seq = 0;
    std::string prev = kGenesis;
    if (!last_line.empty()) {
      AuditRecord last;
      try {
        last = AuditRecord::from_json(nlohmann::json::parse(last_line));
      } catch (const std::exception&) {
        throw Error("the audit log's last record is not readable; run `keyform audit verify`");
      }
      seq = last.seq;
      prev = last.hash;
    }
    std::vector<std::string> lines;
    for (AuditRecord& r : records) {
      r.seq = ++seq;
      r.prev = prev;
      r.detail = one_line(r.detail);
      r.hash = audit_hash(r);
      prev = r.hash;
      lines.push_back(r.to_json().dump());
    }
    return lines;
  });
}

AuditVerification verify_audit(const std::vector<std::string>& lines) {
  AuditVerification v;
  std::vector<AuditRecord> records(lines.size());
  std::vector<bool> readable(lines.size(), false);
  for (size_t i = 0; i < lines.size(); ++i) {
    try {
      records[i] = AuditRecord::from_json(nlohmann::json::parse(lines[i]));
      readable[i] = true;
    } catch (const std::exception&) {
      v.problems.push_back({i + 1, "line " + std::to_string(i + 1) +
                                       " is not a readable audit record: it was edited"});
    }
  }
  std::string prev = kGenesis;
  uint64_t expected = 1;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t line = i + 1;
    const std::string at = "line " + std::to_string(line);
    if (!readable[i]) {
      prev.clear();
      ++expected;
      continue;
    }
    const AuditRecord& r = records[i];
    const std::string rec = "record " + std::to_string(r.seq);
    bool edited = audit_hash(r) != r.hash;
    if (edited)
      v.problems.push_back({line, at + ": " + rec +
                                      " was edited (its hash does not "
                                      "match its contents)"});
    if (r.seq != expected) {
      bool swapped = i + 1 < lines.size() && readable[i + 1] && r.seq == expected + 1 &&
                     records[i + 1].seq == expected;
      if (swapped) {
        v.problems.push_back({line, "lines " + std::to_string(line) + " and " +
                                        std::to_string(line + 1) + ": records " +
                                        std::to_string(expected) + " and " +
                                        std::to_string(expected + 1) + " were swapped"});
        prev = r.hash;  // the later of the two, which the next record follows
        expected += 2;
        ++i;
        continue;
      }
      if (r.seq > expected)
        v.problems.push_back(
            {line, at + ": " +
                       (r.seq == expected + 1 ? "record " + std::to_string(expected) + " was"
                                              : "records " + std::to_string(expected) + " to " +
                                                    std::to_string(r.seq - 1) + " were") +
                       " removed before " + rec});
      else
        v.problems.push_back({line, at + ": " + rec + " is out of order (expected record " +
                                        std::to_string(expected) + ")"});
    } else if (!prev.empty() && r.prev != prev && !edited) {
      v.problems.push_back({line - 1, "line " + std::to_string(line - 1) + ": record " +
                                          std::to_string(r.seq - 1) + " was changed (" + rec +
                                          " records a different hash for it)"});
    }
    prev = r.hash;
    expected = r.seq + 1;
  }
  v.records = lines.size();
  if (!records.empty() && readable.back()) v.head = records.back().hash;
  std::stable_sort(v.problems.begin(), v.problems.end(),
                   [](const AuditProblem& a, const AuditProblem& b) { return a.line < b.line; });
  return v;
}

std::string audit_version(const nlohmann::json& attributes) {
  if (!attributes.is_object()) return "";
  if (attributes.contains("serial") && attributes["serial"].is_string())
    return attributes["serial"].get<std::string>();
  if (attributes.contains("current_version") && attributes["current_version"].is_number())
    return "v" + std::to_string(attributes["current_version"].get<int>());
  if (attributes.contains("version_id") && attributes["version_id"].is_string())
    return attributes["version_id"].get<std::string>();
  if (attributes.contains("policy_digest") && attributes["policy_digest"].is_string())
    return attributes["policy_digest"].get<std::string>().substr(0, 16);
  return "";
}

}  // namespace keyform
