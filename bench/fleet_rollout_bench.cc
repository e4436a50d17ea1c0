// The rollout benchmark (docs/benchmarks.md, "Fleet: a renewal reaching
// 1,000 hosts"): one simulated agent per join token, each enrolled with a key
// of its own (so each is its own host, with its own target), connected to
// the serve replicas, first deploying its target (pull and report), then
// parked in a long-poll. Prints "ready" when every agent is parked; the
// renewal is applied then (fleet_rollout_bench.sh). Each agent woken with a
// new list pulls its target and reports the new version; the program prints
// when the first change was seen and the last report answered (Unix ms) and
// the spread between, then exits. Asserts nothing.
//
//   fleet_rollout_bench --tokens FILE --server-ca FILE --server URL [--server URL]...
//                       [--timeout 300]
// FILE: one "HOST TOKEN" per line; host HOST deploys DeploymentTarget/HOST.
#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/sim_agent.h"
#include "fleet/enrollment.h"
#include "providers/pki/x509.h"
#include "util/file_io.h"

namespace {

using namespace keyform::bench;
using json = nlohmann::json;

struct Options {
  std::string tokens, server_ca;
  std::vector<std::string> servers;
  int timeout = 300;
};

struct Host {
  std::string name;
  std::unique_ptr<ssl::context> ctx;
  std::shared_ptr<SimAgent> agent;
  std::string revision, version;
  Clock::time_point changed, reported;
  bool done = false;
};

int64_t unix_ms(Clock::time_point t) {
  const auto wall =
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Clock::now());
  return std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
}

// Enrols `host` with `token` (POST /v1/enroll, a key made here); the
// identity to connect with.
keyform::fleet::ClientTls enroll(const Options& o, const std::string& server,
                                 const std::string& token) {
  keyform::fleet::ClientTls tls;
  tls.server_ca_pem = keyform::read_file(o.server_ca);
  keyform::x509::PkeyPtr key = keyform::x509::generate_key(keyform::x509::KeyAlgorithm::kEcP256);
  keyform::x509::CsrPtr csr = keyform::fleet::make_agent_csr(key.get(), "keyform-agent");
  const keyform::fleet::HttpsResult r = keyform::fleet::https_request(
      server, "POST", "/v1/enroll",
      json{{"token", token}, {"csr", keyform::x509::csr_to_pem(csr.get())}}.dump(), tls);
  if (r.status != 200) throw std::runtime_error("enrolment refused: " + r.body);
  tls.certificate_pem = json::parse(r.body).value("certificate", "");
  tls.private_key_pem =
      keyform::x509::private_key_to_pem(key.get(), keyform::x509::KeyEncoding::kPkcs8);
  return tls;
}

// serve answers 503 while an apply holds the state's lock: as an agent
// does, ask again after its Retry-After.
constexpr auto kBusyRetry = std::chrono::seconds(2);

// Why requests failed ("pull 500 <message>", "report connection failed"):
// counted, printed at the end.
std::map<std::string, int> g_failures;
bool failure(const std::string& what, bool ok, int status, const std::string& body) {
  ++g_failures[what + " " +
               (ok ? std::to_string(status) + " " + body.substr(0, 160) : "connection failed")];
  return false;
}

void report_deployed(Host& h, const std::string& report, const std::function<void(bool)>& done) {
  h.agent->request(http::verb::post, "/v1/targets/" + h.name + "/report", report,
                   [&h, report, done](bool ok, int status, std::string) {
                     if (ok && status == 503)
                       return h.agent->at(Clock::now() + kBusyRetry,
                                          [&h, report, done] { report_deployed(h, report, done); });
                     done(ok && status == 200 ? true : failure("report", ok, status, ""));
                   });
}

// Pulls the host's target and reports it deployed; then `done(ok)`.
void pull_and_report(Host& h, const std::function<void(bool)>& done) {
  h.agent->request(http::verb::get, "/v1/targets/" + h.name, "",
                   [&h, done](bool ok, int status, std::string body) {
                     if (ok && status == 503)
                       return h.agent->at(Clock::now() + kBusyRetry,
                                          [&h, done] { pull_and_report(h, done); });
                     if (!ok || status != 200) return done(failure("pull", ok, status, body));
                     const json d = json::parse(body);
                     OPENSSL_cleanse(body.data(), body.size());
                     h.version = d.value("version", "");
                     const json report = {{"version", h.version},
                                          {"serial", d.value("serial", "")},
                                          {"fingerprint", d.value("fingerprint", "")},
                                          {"outcome", "ok"}};
                     report_deployed(h, report.dump(), done);
                   });
}

// Lists the host's targets (long-polling from its revision when it has
// one); `changed(ok)` once the list differs.
void poll(Host& h, const std::function<void(bool)>& changed) {
  const std::string target =
      h.revision.empty() ? "/v1/targets" : "/v1/targets?since=" + h.revision + "&wait=60";
  h.agent->request(
      http::verb::get, target, "", [&h, changed](bool ok, int status, std::string body) {
        if (!ok) return changed(failure("poll", ok, status, body));
        if (status == 304) return poll(h, changed);
        if (status == 503)
          return h.agent->at(Clock::now() + kBusyRetry, [&h, changed] { poll(h, changed); });
        if (status != 200) return changed(failure("poll", ok, status, body));
        h.revision = json::parse(body).value("revision", "");
        changed(true);
      });
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--tokens")
      o.tokens = v;
    else if (k == "--server-ca")
      o.server_ca = v;
    else if (k == "--server")
      o.servers.push_back(v);
    else if (k == "--timeout")
      o.timeout = std::stoi(v);
    else
      throw std::runtime_error("unknown option " + k);
  }
  if (o.tokens.empty() || o.server_ca.empty() || o.servers.empty())
    throw std::runtime_error(
        "usage: fleet_rollout_bench --tokens FILE --server-ca FILE --server URL [--server URL]... "
        "[--timeout S]");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  std::vector<std::pair<std::string, std::string>> tokens;
  std::ifstream in(o.tokens);
  for (std::string host, token; in >> host >> token;) tokens.emplace_back(host, token);
  raise_open_file_limit(tokens.size());

  net::io_context ioc{1};
  std::vector<Host> hosts(tokens.size());
  Agents agents;
  auto t0 = Clock::now();
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& server = o.servers[i % o.servers.size()];
    Host& h = hosts[i];
    h.name = tokens[i].first;
    h.ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    use_identity(*h.ctx, enroll(o, server, tokens[i].second));
    h.agent = std::make_shared<SimAgent>(ioc, *h.ctx, keyform::fleet::parse_server_url(server));
    agents.push_back(h.agent);
  }
  std::printf("enrolled %zu agents in %.2f s\n", hosts.size(),
              std::chrono::duration<double>(Clock::now() - t0).count());
  const int connected = connect_all(ioc, agents, 200);
  if (connected != static_cast<int>(hosts.size()))
    throw std::runtime_error(std::to_string(hosts.size() - static_cast<size_t>(connected)) +
                             " agents did not connect");

  // The first deployment: list, pull, report; then park.
  int left = static_cast<int>(hosts.size()), failed = 0;
  for (Host& h : hosts)
    poll(h, [&](bool ok) {
      if (!ok) return ++failed, void(--left);
      pull_and_report(h, [&](bool ok) {
        failed += !ok;
        --left;
      });
    });
  run_until_done(ioc, &left);
  if (failed) throw std::runtime_error(std::to_string(failed) + " first deployments failed");

  // Parked until the renewal: each woken agent pulls and reports.
  left = static_cast<int>(hosts.size());
  std::vector<std::function<void(bool)>> waits(hosts.size());  // one per host, for the run
  for (size_t i = 0; i < hosts.size(); ++i) {
    Host& h = hosts[i];
    const std::function<void(bool)>* self = &waits[i];
    waits[i] = [&h, &left, &failed, before = h.version, self](bool ok) {
      if (!ok) return ++failed, void(--left);
      h.changed = Clock::now();
      pull_and_report(h, [&h, &left, &failed, before, self](bool ok) {
        if (ok && h.version == before) return poll(h, *self);  // not the renewal yet
        h.reported = Clock::now();
        h.done = ok;
        failed += !ok;
        --left;
      });
    };
    poll(h, waits[i]);
  }
  for (int i = 0; i < 10; ++i) ioc.run_for(std::chrono::milliseconds(50));
  std::printf("ready: %zu agents parked\n", hosts.size());
  std::fflush(stdout);
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout);
  while (left > 0 && Clock::now() < deadline) ioc.run_for(std::chrono::milliseconds(100));

  Clock::time_point first = Clock::time_point::max(), last{};
  std::vector<double> spread;
  size_t done = 0;
  for (const Host& h : hosts) {
    if (!h.done) continue;
    ++done;
    first = std::min(first, h.changed);
    last = std::max(last, h.reported);
  }
  for (const Host& h : hosts)
    if (h.done)
      spread.push_back(std::chrono::duration<double, std::milli>(h.reported - first).count());
  for (const auto& [why, n] : g_failures) std::printf("failed %d time(s): %s\n", n, why.c_str());
  if (done == 0) throw std::runtime_error("no agent saw the renewal");
  std::printf(
      "deployed the renewal on %zu of %zu agents (%d failed): first change seen at %lld, last "
      "report at %lld (Unix ms); after the first: p50 %.0f ms, p99 %.0f ms, last %.0f ms\n",
      done, hosts.size(), failed, static_cast<long long>(unix_ms(first)),
      static_cast<long long>(unix_ms(last)), percentile(spread, 0.5), percentile(spread, 0.99),
      std::chrono::duration<double, std::milli>(last - first).count());
  return done == hosts.size() ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "fleet_rollout_bench: " << e.what() << "\n";
  return 1;
}
