// keyform access check: policy simulation. Evaluates one request against
// the configuration's ResourcePolicies (no state needed) and names what
// decided it. Exit 0 for ALLOW, 2 for DENY, 1 for a malformed request.
#include <iostream>

#include "providers/policy/evaluate.h"
#include "reconciler/cli/commands.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct AccessCheck {
  std::string principal, action, resource;
  std::vector<std::string> context;  // KEY=VALUE
  bool json = false;
};

nlohmann::json decision_json(const policy::Decision& d) {
  nlohmann::json j = {{"decision", d.allowed ? "ALLOW" : "DENY"},
                      {"principal", d.principal},
                      {"action", d.action},
                      {"resource", d.resource},
                      {"because", d.because()}};
  if (d.basis == policy::Decision::Basis::kStatement)
    j["statement"] = {{"policy", d.policy},
                      {"sid", d.sid},
                      {"file", d.pos.file},
                      {"line", d.pos.line},
                      {"column", d.pos.column}};
  return j;
}

int run_check(const GlobalOptions& global, const AccessCheck& opts) {
  policy::Context context;
  for (const std::string& kv : opts.context) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(
          "--context: expected KEY=VALUE, e.g. pki:Template=EndEntityServerAuthCertificate "
          "(got \"" +
          kv + "\")");
    context[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  Workspace ws(global);
  policy::Decision d =
      policy::authorize(ws.config(), opts.principal, opts.action, opts.resource, context);
  if (opts.json) {
    nlohmann::json j = decision_json(d);
    j["steps"] = nlohmann::json::array();
    for (const policy::Decision& s : d.steps) j["steps"].push_back(decision_json(s));
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << (d.allowed ? "ALLOW" : "DENY") << ": " << d.because() << "\n";
    for (const policy::Decision& s : d.steps) std::cout << "  " << s.str() << "\n";
  }
  return d.allowed ? kExitOk : kExitChanges;
}

}  // namespace

void register_access(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* access = app.add_subcommand("access", "Policy simulation");
  access->require_subcommand(1);
  auto opts = std::make_shared<AccessCheck>();
  CLI::App* check = access->add_subcommand(
      "check",
      "Whether PRINCIPAL may do ACTION on RESOURCE, and which statement decides it "
      "(exit 0 ALLOW, 2 DENY)");
  check->add_option("--principal", opts->principal, "account:<id>/role:<name>")->required();
  check->add_option("--action", opts->action, "e.g. secret:GetSecretValue, kms:Decrypt")
      ->required();
  check->add_option("--resource", opts->resource, "e.g. Secret/web-tls, KmsKey/main")->required();
  check->add_option("--context", opts->context,
                    "A condition key's value for the request, KEY=VALUE (repeatable), e.g. "
                    "pki:Template=EndEntityServerAuthCertificate");
  check->add_flag("--json", opts->json, "The decision as JSON");
  check->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_check(global, *opts); }; });
}

}  // namespace keyform::cli
