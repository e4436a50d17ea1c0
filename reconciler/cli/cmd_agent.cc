// keyform agent token | enroll | run | revoke (docs/fleet.md).
// token and revoke run where the state is (they take its lock briefly);
// enroll and run run on the host, with no configuration, only DIR.
#include <iostream>

#include "fleet/agent.h"
#include "fleet/agent_revocation.h"
#include "fleet/fleet_store.h"
#include "fleet/join_token.h"
#include "providers/deploy/process_runner.h"
#include "providers/deploy/tls_probe.h"
#include "reconciler/cli/audit_trail.h"
#include "reconciler/cli/commands.h"
#include "state/fleet_records.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/text.h"

namespace keyform::cli {

namespace {

struct AgentCommand {
  std::string principal, host, ttl = "1h";  // token; host also for revoke
  fleet::EnrollOptions enroll;
  std::string reason = "cessationOfOperation";  // revoke
  std::string token_file;                       // enroll: a file holding the token, "-" for stdin
  std::string dir;                              // run
  bool once = false;
  std::string interval = "30s";
};

std::string agent_address(const std::string& host) { return std::string(kFleetAgent) + "/" + host; }

int run_token(const GlobalOptions& global, const AgentCommand& opts) {
  Workspace ws(global);
  if (ws.config().project.fleet.agent_ca.empty())
    throw Error("keyform.yaml names no agent CA: set spec.fleet.agentCA (docs/fleet.md)");
  const fleet::AgentIdentity who = fleet::agent_identity(opts.principal, opts.host);
  std::optional<Seconds> ttl = parse_duration(opts.ttl);
  if (!ttl || *ttl <= 0 || *ttl > 7 * 86400)
    throw Error("--ttl: expected a duration from 1s to 7d, like 15m or 1h (got \"" + opts.ttl +
                "\")");
  const UnixTime now = ws.now();
  fleet::IssuedToken token = fleet::make_join_token(who, *ttl, now);
  bool enrolled = false;
  fleet::FleetStore(ws.backend(), "agent token")
      .write(
          [&](const State& state) {
            const RecordedResource* agent = state.find(agent_address(who.host));
            enrolled = agent && !agent->attributes.contains("revoked");
            return std::vector<RecordedResource>{token.record};
          },
          now);
  append_audit(ws.backend(), {audit_record(apply_principal(ws.config()), "fleet:IssueJoinToken",
                                           token.record.address(), "", "ok",
                                           "for " + who.uri() + ", until " +
                                               token.record.attributes.value("expires", ""))});
  std::cerr << "Join token for " << who.principal() << " on host " << who.host
            << ", for one enrolment until " << token.record.attributes.value("expires", "")
            << ". Only its SHA-256 is stored (" << token.record.address() << ").\n";
  if (enrolled)
    std::cerr << "Host " << who.host
              << " is enrolled already: enrolling with this token supersedes its certificate.\n";
  std::cout.write(reinterpret_cast<const char*>(token.text.data()),
                  static_cast<std::streamsize>(token.text.size()));
  std::cout << "\n";
  return kExitOk;
}

int run_revoke(const GlobalOptions& global, const AgentCommand& opts) {
  Workspace ws(global);
  const UnixTime now = ws.now();
  fleet::AgentRevocation revoked;
  fleet::FleetStore store(ws.backend(), "agent revoke");
  const State before = store.read();
  Keyring keyring(ws.root_key(before), ws.backend().objects());
  store.write(
      [&](const State& state) {
        revoked = fleet::revoke_agent(ws.config(), state, keyring, opts.host, opts.reason, now);
        return revoked.entries;
      },
      now, "CertificateAuthority");
  const std::string serials = comma_joined(revoked.serials);
  const std::string issuer = revoked.entries.at(1).address();
  append_audit(ws.backend(),
               {audit_record(
                   apply_principal(ws.config()), "fleet:RevokeAgent", agent_address(opts.host),
                   revoked.entries.front().attributes.value("serial", ""), "ok",
                   "serials " + serials + " in the list of " + issuer + " (" + opts.reason + ")" +
                       (revoked.host_certificates.empty()
                            ? std::string()
                            : "; host certificates: " + comma_joined(revoked.host_certificates)))});
  std::cout << "Revoked agent " << opts.host << " (certificate serial " << serials
            << "): keyform serve refuses its next request. "
            << (revoked.crl_signed ? "The CRL of " + issuer + " lists it. "
                                   : issuer + " keeps no CRL (crl.enabled): its list holds it. ")
            << "Enrol it again with a new token.\n";
  for (const std::string& c : revoked.host_certificates)
    std::cout << "Revoked its certificate " << c << ".\n";
  for (const std::string& c : revoked.not_listed)
    std::cout << "warning: " << c << " is in no revocation list\n";
  return kExitOk;
}

// The join token from --token-file (so it does not show in ps): its first
// line, "-" reading standard input.
std::string read_token_file(const std::string& file) {
  std::string text;
  if (file == "-")
    std::getline(std::cin, text);
  else
    text = read_file(file);
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.empty()) throw Error("--token-file " + file + ": it holds no token");
  return text;
}

int run_enroll(AgentCommand opts) {
  if (opts.enroll.token.empty() == opts.token_file.empty())
    throw Error("give the join token with --token-file FILE (or - for stdin), or --token");
  if (!opts.token_file.empty()) opts.enroll.token = read_token_file(opts.token_file);
  fleet::enroll_agent(opts.enroll, std::cout);
  return kExitOk;
}

int run_run(const AgentCommand& opts) {
  std::optional<Seconds> interval = parse_duration(opts.interval);
  if (!interval || *interval <= 0) throw Error("--interval: expected a duration like 30s or 5m");
  fleet::RunOptions run;
  run.dir = opts.dir;
  run.once = opts.once;
  run.interval = std::chrono::seconds(*interval);
  // KEYFORM_NOW moves the clock host-made certificates renew by, as it does apply's.
  if (const char* v = std::getenv("KEYFORM_NOW"); v && *v) {
    const std::optional<UnixTime> t = parse_rfc3339(v);
    if (!t) throw Error(std::string("KEYFORM_NOW: expected an RFC 3339 time (got \"") + v + "\")");
    run.now = [t] { return *t; };
  }
  PosixFileSystem files;
  DeployEffects effects{std::make_shared<PosixProcessRunner>(),
                        std::make_shared<OpenSslTlsProbe>()};
  return fleet::run_agent(run, files, effects, std::cout, std::cerr);
}

}  // namespace

void register_agent(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd = app.add_subcommand("agent", "Enrol hosts and deploy to them (keyform serve)");
  cmd->require_subcommand(1);
  auto opts = std::make_shared<AgentCommand>();

  CLI::App* token = cmd->add_subcommand("token", "Print a one-time join token for a host");
  token->add_option("--principal", opts->principal, "account:ID/role:NAME the host acts as")
      ->required();
  token->add_option("--host", opts->host, "The host's name (matched by spec.hosts)")->required();
  token->add_option("--ttl", opts->ttl, "How long the token may be used (default 1h, at most 7d)");
  token->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_token(global, *opts); }; });

  CLI::App* enroll = cmd->add_subcommand(
      "enroll", "On the host: make its key, and get its identity certificate with a token");
  enroll
      ->add_option("--server", opts->enroll.servers,
                   "https://HOST:PORT of keyform serve; repeat it for each replica (tried in "
                   "order, the next on failure)")
      ->required();
  enroll->add_option("--token", opts->enroll.token,
                     "The join token (visible to other users in ps: prefer --token-file)");
  enroll->add_option("--token-file", opts->token_file,
                     "A file holding the join token, - for standard input");
  enroll
      ->add_option("--server-ca", opts->enroll.server_ca_file,
                   "PEM file of the CA that issued the server's certificate")
      ->required();
  enroll->add_option("--dir", opts->enroll.dir, "The agent's directory")->required();
  enroll->callback([run, opts] { *run = [opts] { return run_enroll(*opts); }; });

  CLI::App* agent_run =
      cmd->add_subcommand("run", "On the host: pull, install and report its DeploymentTargets");
  agent_run->add_option("--dir", opts->dir, "The agent's directory (keyform agent enroll --dir)")
      ->required();
  agent_run->add_flag("--once", opts->once, "One pass; exit 1 when any target is not in place");
  agent_run->add_option(
      "--interval", opts->interval,
      "How long a long-poll waits for a change (default 30s, at most 60s), and the pause "
      "after a failing pass");
  agent_run->callback([run, opts] { *run = [opts] { return run_run(*opts); }; });

  CLI::App* revoke = cmd->add_subcommand("revoke", "Cut an agent off: serve refuses it at once");
  revoke->add_option("host", opts->host, "The host name it enrolled as")->required();
  revoke
      ->add_option("--reason", opts->reason,
                   "The CRL's reason: cessationOfOperation (default), keyCompromise or "
                   "unspecified")
      ->check(CLI::IsMember({"cessationOfOperation", "keyCompromise", "unspecified"}));
  revoke->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_revoke(global, *opts); }; });
}

}  // namespace keyform::cli
