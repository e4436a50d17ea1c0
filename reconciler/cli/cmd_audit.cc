// keyform audit [--json] | audit verify: prints or checks the hash-chained
// audit log (state/audit_log.h). Reads the backend only; takes no lock.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "state/audit_log.h"

namespace keyform::cli {

namespace {

int run_print(const GlobalOptions& global, bool json) {
  Workspace ws(global);
  std::vector<std::string> lines = ws.backend().read_audit();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < lines.size(); ++i) {
      nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
      out.push_back(j.is_discarded() ? nlohmann::json{{"unreadable_line", i + 1}} : j);
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const std::string& l : lines) {
    nlohmann::json j = nlohmann::json::parse(l, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      std::cout << "(unreadable line: run `keyform audit verify`)\n";
      continue;
    }
    AuditRecord r = AuditRecord::from_json(j);
    std::cout << r.seq << "  " << r.time << "  " << r.outcome << "  " << r.action << "  "
              << r.resource;
    if (!r.version.empty()) std::cout << "  version " << r.version;
    std::cout << "  as " << r.principal << " (" << r.actor << ")";
    if (!r.keyform_now.empty()) std::cout << "  KEYFORM_NOW=" << r.keyform_now;
    if (!r.detail.empty()) std::cout << "  -- " << r.detail;
    std::cout << "\n";
  }
  if (lines.empty()) std::cout << "The audit log is empty.\n";
  return kExitOk;
}

int run_verify(const GlobalOptions& global) {
  Workspace ws(global);
  AuditVerification v = verify_audit(ws.backend().read_audit());
  if (v.ok()) {
    std::cout << "The audit log is intact: " << v.records << " records";
    if (!v.head.empty()) std::cout << ", head " << v.head;
    std::cout << ".\n";
    return kExitOk;
  }
  for (const AuditProblem& p : v.problems) std::cout << p.message << "\n";
  std::cerr << "keyform: error: the audit log has been tampered with (" << v.problems.size()
            << (v.problems.size() == 1 ? " problem" : " problems") << ")\n";
  return kExitError;
}

}  // namespace

void register_audit(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* audit = app.add_subcommand("audit", "Print the audit log, or verify its hash chain");
  auto json = std::make_shared<bool>(false);
  audit->add_flag("--json", *json, "The records as JSON");
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check that no record was edited, removed or reordered (exit 1 if one was)");
  verify->callback([&global, run] { *run = [&global] { return run_verify(global); }; });
  audit->callback([&global, run, json] {
    if (!*run) *run = [&global, json] { return run_print(global, *json); };
  });
}

}  // namespace keyform::cli
