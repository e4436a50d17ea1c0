// keyform access check: policy simulation. Evaluates one request against
// the configuration's ResourcePolicies (no state needed) and names what
// decided it. Exit 0 for ALLOW, 2 for DENY, 1 for a malformed request.
#include <iostream>

#include "providers/policy/decision_json.h"
#include "reconciler/cli/commands.h"
#include "reconciler/cli/reader_options.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct AccessCheck {
  std::string principal, action, resource;
  std::vector<std::string> context;  // KEY=VALUE
  bool json = false;
  fleet::ReaderOptions server;  // --server: serve decides for the caller's certificate
};

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
  if (!opts.server.server.empty() || !opts.server.dir.empty() || !opts.server.cert.empty()) {
    if (!opts.principal.empty())
      throw Error(
          "--principal is for simulation; with --server the principal is the certificate's");
    const nlohmann::json answer =
        fleet::remote_access_check(opts.server, opts.action, opts.resource, context);
    if (opts.json) {
      nlohmann::json shown = answer;
      shown.erase("text");
      std::cout << shown.dump(2) << "\n";
    } else {
      std::cout << answer.value("text", "");
    }
    return answer.value("decision", "") == "ALLOW" ? kExitOk : kExitChanges;
  }
  if (opts.principal.empty()) throw Error("--principal is required (or --server, as a caller)");
  Workspace ws(global);
  policy::Decision d =
      policy::authorize(ws.config(), opts.principal, opts.action, opts.resource, context);
  if (opts.json)
    std::cout << policy::decision_json(d).dump(2) << "\n";
  else
    std::cout << policy::decision_text(d);
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
  check->add_option("--principal", opts->principal,
                    "account:<id>/role:<name> (not with --server: the certificate's is asked)");
  check->add_option("--action", opts->action, "e.g. secret:GetSecretValue, kms:Decrypt")
      ->required();
  check->add_option("--resource", opts->resource, "e.g. Secret/web-tls, KmsKey/main")->required();
  check->add_option("--context", opts->context,
                    "A condition key's value for the request, KEY=VALUE (repeatable), e.g. "
                    "pki:Template=EndEntityServerAuthCertificate");
  check->add_flag("--json", opts->json, "The decision as JSON");
  add_reader_options(check, opts->server);
  check->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_check(global, *opts); }; });
}

}  // namespace keyform::cli
