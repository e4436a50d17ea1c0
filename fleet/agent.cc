#include "fleet/agent.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <optional>
#include <random>
#include <thread>

#include "fleet/agent_credentials.h"
#include "fleet/agent_renewal.h"
#include "fleet/enrollment.h"
#include "fleet/failover.h"
#include "fleet/host_key_agent.h"
#include "fleet/https_client.h"
#include "fleet/identity.h"
#include "providers/pki/x509.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/secret_bytes.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// A path the server sent, checked again here: no "..", nothing inside the
// agent's own identity.
void check_path(const fs::path& dir, const std::string& path) {
  for (const auto& part : fs::path(path))
    if (part == "..") throw Error("refusing to deploy " + path + ": it contains \"..\"");
  const fs::path full =
      (fs::path(path).is_relative() ? dir / path : fs::path(path)).lexically_normal();
  for (const fs::path& own : {identity_dir(dir), dir / "keys"}) {
    const auto rel = full.lexically_relative(own.lexically_normal());
    if (!rel.empty() && *rel.begin() != "..")
      throw Error("refusing to deploy " + path + ": it is inside the agent's own " +
                  own.filename().string() + " directory");
  }
}

struct Pulled {
  json meta;  // target, version, serial, fingerprint, reload, verify
  std::vector<FileToWrite> writes;
};

// The deployment in a 200 body; the body's file contents are cleansed.
Pulled parse_deployment(const fs::path& dir, std::string& body) {
  Pulled p;
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception&) {
    OPENSSL_cleanse(body.data(), body.size());
    throw Error("the server's answer is not JSON");
  }
  OPENSSL_cleanse(body.data(), body.size());
  try {
    for (auto& f : j.at("files")) {
      SecretBytes content = take_base64_secret(f.at("data").get_ref<std::string&>());
      DeployedFile d;
      d.path = f.at("path").get<std::string>();
      d.content = f.value("content", "");
      d.mode = f.value("mode", 0600u);
      d.owner = f.value("owner", "");
      d.group = f.value("group", "");
      check_path(dir, d.path);
      p.writes.push_back(file_to_write(d, std::move(content), dir));
    }
  } catch (const json::exception& e) {
    throw Error(std::string("the server's deployment is malformed: ") + e.what());
  }
  j.erase("files");
  p.meta = std::move(j);
  return p;
}

// The deployment of a 200 body: its files as sent, or, for a certificate
// whose key is made on this host, rendered from that key and the
// certificate serve issues for it (host_key_agent.h).
Pulled pull(const RunOptions& options, const AgentCredentials& id, const std::string& name,
            std::string& body, std::ostream& out) {
  // Only a host-key deployment (which holds no file contents) is parsed
  // here; any other goes to parse_deployment, which cleanses what it reads.
  if (body.find("\"generated_on\":\"host\"") == std::string::npos)
    return parse_deployment(options.dir, body);
  const json meta = json::parse(body, nullptr, false);
  if (!is_host_key_deployment(meta)) return parse_deployment(options.dir, body);
  HostKeyPull h = pull_host_key_deployment(
      options.dir, meta,
      [&](const std::string& csr) {
        HttpsResult r = agent_request(id, "POST", "/v1/targets/" + name + "/certificate", csr);
        if (r.status != 200) throw Error("the certificate request was refused: " + refusal_of(r));
        return r.body;
      },
      options.now ? options.now() : SystemClock().now(), out);
  Pulled p;
  p.meta = std::move(h.meta);
  for (RenderedFile& f : h.files) {
    check_path(options.dir, f.file.path);
    p.writes.push_back(file_to_write(f.file, std::move(f.content), options.dir));
  }
  return p;
}

json load_deployed(const fs::path& dir) {
  const fs::path f = identity_dir(dir) / "deployed.json";
  if (!fs::exists(f)) return json::object();
  try {
    return json::parse(read_file(f));
  } catch (const json::exception&) {
    return json::object();  // rewritten after the next deployment
  }
}

bool files_present(const Pulled& p) {
  for (const FileToWrite& w : p.writes)
    if (!fs::is_regular_file(fs::symlink_status(w.path))) return false;
  return true;
}

struct PassResult {
  bool ok = true;  // every target in place
  // A rollout holds a target back (serve answered rollout_paused or
  // rollout_halted): not a failure of this host; list again after this.
  std::chrono::seconds held{0};
};

// One pass over the targets `listed` (GET /v1/targets).
PassResult run_pass(const RunOptions& options, const AgentCredentials& id, const json& listed,
                    FileSystem& files, const DeployEffects& effects, std::ostream& out,
                    std::ostream& err) {
  const json targets = listed.value("targets", json::array());
  json deployed = load_deployed(options.dir);
  PassResult result;
  bool& all_ok = result.ok;
  for (const json& t : targets) {
    const std::string name = t.value("name", ""), address = t.value("target", "");
    HttpsResult got = agent_request(id, "GET", "/v1/targets/" + name);
    if (const std::string code = refusal_code(got);
        got.status == 409 && (code == "rollout_paused" || code == "rollout_halted")) {
      // Nothing is written: this host keeps what it has and asks again.
      const int after = retry_after_seconds(got, 1, 3600);
      out << address << ": waiting: " << refusal_of(got) << "\n";
      result.held = std::max(result.held, std::chrono::seconds(after));
      all_ok = false;
      continue;
    }
    if (got.status != 200) {
      // Refused or not ready: nothing is written.
      err << address << ": refused: " << refusal_of(got) << "\n";
      all_ok = false;
      continue;
    }
    Pulled p;
    try {
      p = pull(options, id, name, got.body, out);
    } catch (const Error& e) {
      err << address << ": refused: " << e.what() << "\n";
      all_ok = false;
      continue;
    }
    const std::string version = p.meta.value("version", "");
    if (deployed.contains(address) && deployed[address].value("version", "") == version &&
        files_present(p)) {
      out << address << ": up to date (" << version << ")\n";
      continue;
    }
    json report = {{"version", version},
                   {"serial", p.meta.value("serial", "")},
                   {"fingerprint", p.meta.value("fingerprint", "")}};
    try {
      install_deployment(files, effects, p.writes,
                         {&p.meta,
                          options.dir.string(),
                          {},
                          p.meta.value("fingerprint", ""),
                          p.meta.value("serial", "")});
      report["outcome"] = "ok";
      json paths = json::array();
      for (const FileToWrite& w : p.writes) paths.push_back(w.path.string());
      deployed[address] = {
          {"version", version}, {"serial", p.meta.value("serial", "")}, {"files", paths}};
      write_file_durable(identity_dir(options.dir) / "deployed.json", deployed.dump(2) + "\n");
      out << address << ": deployed " << p.writes.size() << " file(s) of "
          << p.meta.value("source", "") << " (" << version << ")\n";
    } catch (const Error& e) {
      report["outcome"] = "failed";
      report["error"] = e.what();
      err << address << ": failed: " << e.what() << "\n";
      all_ok = false;
    }
    HttpsResult r = agent_request(id, "POST", "/v1/targets/" + name + "/report", report.dump());
    if (r.status != 200) {
      err << address << ": the report was refused: " << refusal_of(r) << "\n";
      all_ok = false;
    }
  }
  return result;
}

// GET /v1/targets as JSON (throws naming a refusal). With `since`, a
// long-poll: nullopt when the server answered 304 (nothing changed). The
// identity is renewed here when due (agent_renewal.h); `id` is then the new
// one.
std::optional<json> list_targets(const RunOptions& options, AgentCredentials& id,
                                 const std::string& since, std::chrono::seconds wait,
                                 std::ostream& out, std::ostream& err) {
  std::string target = "/v1/targets";
  if (!since.empty()) target += "?since=" + since + "&wait=" + std::to_string(wait.count());
  const auto timeout = wait + std::chrono::seconds(30);
  HttpsResult listed = agent_request(id, "GET", target, "", timeout);
  if (renew_identity_if_due(options.dir, id, listed, out, err)) {
    id = load_credentials(options.dir);
    if (listed.status != 200 && listed.status != 304)
      listed = agent_request(id, "GET", target, "", timeout);
  }
  if (listed.status == 304) return std::nullopt;
  if (listed.status != 200) throw Error("listing the targets refused: " + refusal_of(listed));
  try {
    return json::parse(listed.body);
  } catch (const json::exception&) {
    throw Error("the server's list of targets is not JSON");
  }
}

bool run_once(const RunOptions& options, FileSystem& files, const DeployEffects& effects,
              std::ostream& out, std::ostream& err) {
  AgentCredentials id = load_credentials(options.dir);
  return run_pass(options, id, *list_targets(options, id, "", {}, out, err), files, effects, out,
                  err)
      .ok;
}

// Whether a file deployed.json says was deployed is gone (a long-poll would
// not notice: the server's revision did not move).
bool deployed_file_missing(const fs::path& dir) {
  const json deployed = load_deployed(dir);
  for (const auto& [address, entry] : deployed.items())
    for (const json& f : entry.value("files", json::array()))
      if (f.is_string() && !fs::is_regular_file(fs::symlink_status(f.get<std::string>())))
        return true;
  return false;
}

volatile std::sig_atomic_t stop_requested = 0;
void on_stop(int) { stop_requested = 1; }

void sleep_unless_stopped(double seconds) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  while (!stop_requested && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

}  // namespace

void enroll_agent(const EnrollOptions& options, std::ostream& out) {
  const fs::path at = identity_dir(options.dir);
  if (fs::exists(at / "agent.crt"))
    throw Error(options.dir.string() + " already holds an agent identity (" +
                (at / "agent.crt").string() + "); remove " + at.string() + " to enrol it again");
  ClientTls tls;
  tls.server_ca_pem = read_file(options.server_ca_file);
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  SecretBytes key_pem = x509::private_key_to_pem(key.get(), x509::KeyEncoding::kPkcs8);
  x509::CsrPtr csr = make_agent_csr(key.get(), "keyform-agent");
  std::string body = json{{"token", options.token}, {"csr", x509::csr_to_pem(csr.get())}}.dump();
  // A replica that cannot be reached or fails (5xx) is passed over for the
  // next; one round only: a token is good for one enrolment.
  Failover failover{options.servers, 0, 1, {}};
  HttpsResult r = send_with_failover(failover, [&](const std::string& server) {
    return https_request(server, "POST", "/v1/enroll", body, tls);
  });
  OPENSSL_cleanse(body.data(), body.size());
  if (r.status != 200) throw Error("enrolment refused: " + refusal_of(r));
  const json j = json::parse(r.body);
  const std::string cert_pem = j.value("certificate", "");
  x509::CertPtr cert = x509::certificate_from_pem(cert_pem);
  if (!x509::key_matches_certificate(key.get(), cert.get()))
    throw Error("the server's certificate is not for this agent's key");
  std::optional<AgentIdentity> who = certificate_identity(cert.get());
  if (!who) throw Error("the server's certificate carries no keyform:// identity");

  fs::create_directories(at);
  fs::permissions(at, fs::perms::owner_all, fs::perm_options::replace);
  // The key first: a crash leaves no certificate without its key.
  write_file_durable(at / "agent.key", key_pem.view(), 0600);
  write_file_durable(at / "agent.crt", cert_pem, 0644);
  write_file_durable(at / "agent-ca.pem", j.value("ca", ""), 0644);
  write_file_durable(at / "server-ca.pem", tls.server_ca_pem, 0644);
  write_file_durable(at / "agent.json",
                     json{{"server", options.servers.front()},
                          {"servers", options.servers},
                          {"identity", who->uri()},
                          {"principal", who->principal()},
                          {"host", who->host},
                          {"serial", x509::serial_hex(cert.get())},
                          {"not_after", j.value("not_after", "")}}
                             .dump(2) +
                         "\n",
                     0644);
  out << "Enrolled as " << who->uri() << " (" << who->principal() << ", host " << who->host
      << "): certificate serial " << x509::serial_hex(cert.get()) << ", valid until "
      << j.value("not_after", "") << ".\n";
  if (std::optional<UnixTime> server_time = parse_rfc3339(j.value("server_time", ""))) {
    const UnixTime local = agent_clock();
    if (std::llabs(local - *server_time) > 60)
      out << "Warning: this host's clock differs from the server's by " << (local - *server_time)
          << " s; identity certificates are backdated only " << kIdentityBackdate / 60
          << " minutes.\n";
  }
}

int run_agent(const RunOptions& options, FileSystem& files, const DeployEffects& effects,
              std::ostream& out, std::ostream& err) {
  if (options.once) return run_once(options, files, effects, out, err) ? 0 : 1;
  std::signal(SIGINT, on_stop);
  std::signal(SIGTERM, on_stop);
  std::mt19937 rng(std::random_device{}());
  int failures = 0;
  // The revision of the list last acted on: the long-poll waits until the
  // server's differs (a change for this host), up to --interval (at most
  // 60 s), then answers 304 and is sent again.
  std::string revision;
  const std::chrono::seconds wait =
      std::clamp(options.interval, std::chrono::seconds(1), std::chrono::seconds(60));
  while (!stop_requested) {
    bool ok = false;
    try {
      AgentCredentials id = load_credentials(options.dir);
      const auto asked = std::chrono::steady_clock::now();
      std::optional<json> listed = list_targets(options, id, revision, wait, out, err);
      if (!listed) {
        if (deployed_file_missing(options.dir)) revision.clear();
        // Nothing changed: poll again at once, unless the server did not
        // wait (then not more than once a second).
        if (std::chrono::steady_clock::now() - asked < std::chrono::seconds(1))
          std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      const std::string next = listed->value("revision", "");
      const PassResult pass = run_pass(options, id, *listed, files, effects, out, err);
      ok = pass.ok;
      if (pass.held.count() > 0) {
        // A rollout's wait is not a failure: no back-off, the list again
        // after serve's Retry-After (with jitter).
        revision.clear();
        std::uniform_real_distribution<double> jitter(1.0, 1.5);
        sleep_unless_stopped(static_cast<double>(pass.held.count()) * jitter(rng));
        continue;
      }
      // A server without long-polls (no revision, or the same one) answers at
      // once: wait the interval then, as a failure would.
      if (ok && !next.empty() && next != revision) {
        revision = next;
        failures = 0;
        continue;
      }
      revision.clear();
    } catch (const Error& e) {
      err << "keyform agent: " << e.what() << "\n";
      revision.clear();
    }
    failures = ok ? 0 : std::min(failures + 1, 6);
    // Failures back off exponentially (at most 64 intervals, capped at an
    // hour); jitter of +-20% spreads a fleet's polls.
    const double base = std::min<double>(
        static_cast<double>(options.interval.count()) * static_cast<double>(1 << failures), 3600.0);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    sleep_unless_stopped(base * jitter(rng));
  }
  return 0;
}

}  // namespace keyform::fleet
