// The fleet benchmark (docs/benchmarks.md, "Fleet: serve replicas"): N
// simulated agents in one process, one keep-alive mutual-TLS connection
// each (Boost.Asio, one thread), spread over the given serve replicas, all
// presenting one enrolled agent's identity. Phases:
//
//   connect at most 200 handshakes at a time;
//   polls   every connection sends no-change polls
//           (GET /v1/targets?since=<current revision>&wait=0, answered 304)
//           for --seconds, back to back (a closed loop: latency is then the
//           queue the connections make), or with --rate, the fleet together
//           offering that many polls/s (an open loop, as agents poll):
//           polls/s, p50/p99 latency;
//   pulls   every connection pulls the target once per round, all at once
//           (GET /v1/targets/NAME: rendered, decrypted, sent, as after a
//           renewal), --pulls rounds: p50/p99 latency and the time until
//           the last one was answered;
//   parked  every connection parks a long-poll (wait=60): the replicas'
//           RSS growth per parked connection.
//
// With --pid (the serve processes), the replicas' CPU time per poll comes
// from /proc/PID/stat. Prints figures; asserts nothing.
//
//   fleet_bench --dir AGENT_DIR --target NAME --server URL [--server URL2]
//               [--agents 50] [--seconds 5] [--pulls 1] [--rate R] [--pid PID]...
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "bench/sim_agent.h"
#include "util/file_io.h"

namespace {

using namespace keyform::bench;

struct Options {
  std::string dir, target;
  std::vector<std::string> servers;
  std::vector<int> pids;
  int agents = 50;
  int seconds = 5;
  int pulls = 1;
  double rate = 0;  // no-change polls/s offered by all agents together; 0: back to back
};

// What one phase's requests answered.
struct Answers {
  std::vector<double> ms;
  std::vector<int> statuses;
};

// Sends GET `target` on `a` again and again while `more()` says so, each
// answer into `out`: with a `pace`, one request per pace from `due`, else
// back to back. Then `done(ok)`.
void loop(const std::shared_ptr<SimAgent>& a, const std::string& target,
          const std::function<bool()>& more, Answers* out, Clock::duration pace,
          Clock::time_point due, const std::function<void(bool)>& done) {
  a->at(pace == Clock::duration{} ? Clock::now() : due, [=] {
    if (!more()) return done(true);
    const auto started = Clock::now();
    a->request(http::verb::get, target, "", [=](bool ok, int status, std::string) {
      if (!ok) return done(false);
      out->ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
      out->statuses.push_back(status);
      loop(a, target, more, out, pace, due + pace, done);
    });
  });
}

// utime + stime of a process, in seconds.
double cpu_seconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(f, line);
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Resident set size of a process, in KiB.
long rss_kib(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// This process's CPU time (one thread: above ~1 s per second, the
// simulated agents, not the replicas, bound the figures).
double own_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double total_cpu(const Options& o) {
  double t = 0;
  for (int pid : o.pids) t += cpu_seconds(pid);
  return t;
}
long total_rss(const Options& o) {
  long t = 0;
  for (int pid : o.pids) t += rss_kib(pid);
  return t;
}

// Runs `start(agent, done)` on every agent and the event loop until all
// called done; returns how many said ok.
int run_phase(
    net::io_context& ioc, Agents& agents,
    const std::function<void(const std::shared_ptr<SimAgent>&, std::function<void(bool)>)>& start) {
  int left = static_cast<int>(agents.size()), ok = 0;
  for (auto& a : agents)
    start(a, [&](bool good) {
      ok += good;
      --left;
    });
  run_until_done(ioc, &left);
  return ok;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--dir")
      o.dir = v;
    else if (k == "--target")
      o.target = v;
    else if (k == "--server")
      o.servers.push_back(v);
    else if (k == "--pid")
      o.pids.push_back(std::stoi(v));
    else if (k == "--agents")
      o.agents = std::stoi(v);
    else if (k == "--seconds")
      o.seconds = std::stoi(v);
    else if (k == "--pulls")
      o.pulls = std::stoi(v);
    else if (k == "--rate")
      o.rate = std::stod(v);
    else
      throw std::runtime_error("unknown option " + k);
  }
  if (o.dir.empty() || o.target.empty() || o.servers.empty())
    throw std::runtime_error(
        "usage: fleet_bench --dir AGENT_DIR --target NAME --server URL [--server URL]... "
        "[--agents N] [--seconds S] [--pulls N] [--rate POLLS_PER_S] [--pid PID]...");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  raise_open_file_limit(static_cast<size_t>(o.agents));
  const std::string id = o.dir + "/identity/";
  keyform::fleet::ClientTls tls;
  tls.server_ca_pem = keyform::read_file(id + "server-ca.pem");
  tls.certificate_pem = keyform::read_file(id + "agent.crt");
  tls.private_key_pem = keyform::read_secret_file(id + "agent.key");

  // The current revision, from one ordinary request.
  keyform::fleet::HttpsResult listed =
      keyform::fleet::https_request(o.servers[0], "GET", "/v1/targets", "", tls);
  if (listed.status != 200) throw std::runtime_error("GET /v1/targets: " + listed.body);
  const std::string revision = nlohmann::json::parse(listed.body).value("revision", "");

  ssl::context ctx{ssl::context::tls_client};
  use_identity(ctx, tls);
  net::io_context ioc{1};
  Agents agents;
  for (int i = 0; i < o.agents; ++i)
    agents.push_back(std::make_shared<SimAgent>(
        ioc, ctx,
        keyform::fleet::parse_server_url(o.servers[static_cast<size_t>(i) % o.servers.size()])));
  const long rss_idle = total_rss(o);
  auto t0 = Clock::now();
  const int connected = connect_all(ioc, agents, 200);
  std::printf("connected %d of %d agents to %zu replica(s) in %.2f s\n", connected, o.agents,
              o.servers.size(), std::chrono::duration<double>(Clock::now() - t0).count());
  const long rss_connected = total_rss(o);

  // No-change polls. With --rate, each agent polls once per agents/rate
  // seconds, from a random point of its first period (an open loop, as a
  // fleet polls).
  Answers polls;
  const double cpu0 = total_cpu(o), own0 = own_cpu_seconds();
  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  t0 = Clock::now();
  const auto pace = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(o.agents / o.rate))
                               : Clock::duration{};
  std::mt19937_64 rng(42);
  run_phase(ioc, agents, [&](const std::shared_ptr<SimAgent>& a, std::function<void(bool)> done) {
    const auto offset =
        pace == Clock::duration{} ? Clock::duration{} : Clock::duration(rng() % pace.count());
    loop(
        a, "/v1/targets?since=" + revision + "&wait=0", [end] { return Clock::now() < end; },
        &polls, pace, t0 + offset, done);
  });
  const double poll_s = std::chrono::duration<double>(last_answer() - t0).count();
  const double poll_cpu = total_cpu(o) - cpu0, own_cpu = own_cpu_seconds() - own0;
  const auto unchanged = std::count(polls.statuses.begin(), polls.statuses.end(), 304);
  std::printf(
      "no-change polls: %zu in %.2f s = %.0f/s (%ld answered 304); p50 %.2f ms, p99 %.2f ms\n",
      polls.ms.size(), poll_s, static_cast<double>(polls.ms.size()) / poll_s,
      static_cast<long>(unchanged), percentile(polls.ms, 0.5), percentile(polls.ms, 0.99));
  if (!o.pids.empty() && !polls.ms.empty())
    std::printf(
        "server CPU per no-change poll: %.3f ms (all replicas); the simulated agents used %.2f "
        "CPU s per s\n",
        poll_cpu * 1000 / static_cast<double>(polls.ms.size()), own_cpu / poll_s);

  // Full pulls, every agent at once.
  Answers pulls;
  std::vector<int> left(agents.size(), o.pulls);
  size_t k = 0;
  t0 = Clock::now();
  run_phase(ioc, agents, [&](const std::shared_ptr<SimAgent>& a, std::function<void(bool)> done) {
    int* n = &left[k++];
    loop(
        a, "/v1/targets/" + o.target, [n] { return (*n)-- > 0; }, &pulls, {}, {}, done);
  });
  const auto pulled = std::count(pulls.statuses.begin(), pulls.statuses.end(), 200);
  std::printf("pulls: %zu (%ld answered 200) in %.2f s; p50 %.2f ms, p99 %.2f ms\n",
              pulls.ms.size(), static_cast<long>(pulled),
              std::chrono::duration<double>(Clock::now() - t0).count(), percentile(pulls.ms, 0.5),
              percentile(pulls.ms, 0.99));

  // Parked long-polls.
  run_phase(ioc, agents, [&](const std::shared_ptr<SimAgent>& a, std::function<void(bool)> done) {
    a->send_only("/v1/targets?since=" + revision + "&wait=60", done);
  });
  for (int i = 0; i < 20; ++i) ioc.run_for(std::chrono::milliseconds(50));
  if (!o.pids.empty())
    std::printf(
        "replicas' RSS: %ld KiB idle, %+ld KiB with %d connections, %+ld KiB with them "
        "parked: %.1f KiB per parked connection\n",
        rss_idle, rss_connected - rss_idle, connected, total_rss(o) - rss_idle,
        static_cast<double>(total_rss(o) - rss_idle) / std::max(connected, 1));
  return 0;
} catch (const std::exception& e) {
  std::cerr << "fleet_bench: " << e.what() << "\n";
  return 1;
}
