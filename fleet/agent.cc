#include "fleet/agent.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <csignal>
#include <random>
#include <thread>

#include "fleet/agent_credentials.h"
#include "fleet/agent_renewal.h"
#include "fleet/enrollment.h"
#include "fleet/https_client.h"
#include "fleet/identity.h"
#include "providers/pki/x509.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// A GET or POST with the agent's identity; a 503 is retried after its
// Retry-After (at most three times, so a pass ends).
HttpsResult call(const AgentCredentials& id, const std::string& method, const std::string& target,
                 const std::string& body = "") {
  for (int attempt = 0;; ++attempt) {
    HttpsResult r = https_request(id.server, method, target, body, id.tls);
    if (r.status != 503 || attempt == 3) return r;
    int wait = r.retry_after.empty() ? 2 : std::clamp(std::atoi(r.retry_after.c_str()), 1, 60);
    std::this_thread::sleep_for(std::chrono::seconds(wait));
  }
}

// A path the server sent, checked again here: no "..", nothing inside the
// agent's own identity.
void check_path(const fs::path& dir, const std::string& path) {
  for (const auto& part : fs::path(path))
    if (part == "..") throw Error("refusing to deploy " + path + ": it contains \"..\"");
  const fs::path full =
      (fs::path(path).is_relative() ? dir / path : fs::path(path)).lexically_normal();
  const auto rel = full.lexically_relative(identity_dir(dir).lexically_normal());
  if (!rel.empty() && *rel.begin() != "..")
    throw Error("refusing to deploy " + path + ": it is inside the agent's identity directory");
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
      std::string& data = f.at("data").get_ref<std::string&>();
      std::vector<uint8_t> bytes = base64_decode(data);
      OPENSSL_cleanse(data.data(), data.size());
      SecretBytes content(bytes.data(), bytes.size());
      OPENSSL_cleanse(bytes.data(), bytes.size());
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

// One pass over the host's targets; true when every one is in place.
bool run_once(const RunOptions& options, FileSystem& files, const DeployEffects& effects,
              std::ostream& out, std::ostream& err) {
  AgentCredentials id = load_credentials(options.dir);
  HttpsResult listed = call(id, "GET", "/v1/targets");
  if (renew_identity_if_due(options.dir, id, listed, out, err)) {
    id = load_credentials(options.dir);
    if (listed.status != 200) listed = call(id, "GET", "/v1/targets");
  }
  if (listed.status != 200) throw Error("listing the targets refused: " + refusal_of(listed));
  const json targets = json::parse(listed.body).value("targets", json::array());
  json deployed = load_deployed(options.dir);
  bool all_ok = true;
  for (const json& t : targets) {
    const std::string name = t.value("name", ""), address = t.value("target", "");
    HttpsResult got = call(id, "GET", "/v1/targets/" + name);
    if (got.status != 200) {
      // Refused or not ready: nothing is written.
      err << address << ": refused: " << refusal_of(got) << "\n";
      all_ok = false;
      continue;
    }
    Pulled p = parse_deployment(options.dir, got.body);
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
      deployed[address] = {{"version", version}, {"serial", p.meta.value("serial", "")}};
      write_file_durable(identity_dir(options.dir) / "deployed.json", deployed.dump(2) + "\n");
      out << address << ": deployed " << p.writes.size() << " file(s) of "
          << p.meta.value("source", "") << " (" << version << ")\n";
    } catch (const Error& e) {
      report["outcome"] = "failed";
      report["error"] = e.what();
      err << address << ": failed: " << e.what() << "\n";
      all_ok = false;
    }
    HttpsResult r = call(id, "POST", "/v1/targets/" + name + "/report", report.dump());
    if (r.status != 200) {
      err << address << ": the report was refused: " << refusal_of(r) << "\n";
      all_ok = false;
    }
  }
  return all_ok;
}

volatile std::sig_atomic_t stop_requested = 0;
void on_stop(int) { stop_requested = 1; }

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
  HttpsResult r = https_request(options.server, "POST", "/v1/enroll", body, tls);
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
                     json{{"server", options.server},
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
  while (!stop_requested) {
    bool ok = false;
    try {
      ok = run_once(options, files, effects, out, err);
    } catch (const Error& e) {
      err << "keyform agent: " << e.what() << "\n";
    }
    failures = ok ? 0 : std::min(failures + 1, 6);
    // Failures back off exponentially (at most 64 intervals, capped at an
    // hour); jitter of +-20% spreads a fleet's polls.
    const double base = std::min<double>(
        static_cast<double>(options.interval.count()) * static_cast<double>(1 << failures), 3600.0);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const auto wait = std::chrono::milliseconds(static_cast<int64_t>(base * jitter(rng) * 1000));
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!stop_requested && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return 0;
}

}  // namespace keyform::fleet
