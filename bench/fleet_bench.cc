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
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fleet/https_client.h"
#include "util/file_io.h"

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string dir, target;
  std::vector<std::string> servers;
  std::vector<int> pids;
  int agents = 50;
  int seconds = 5;
  int pulls = 1;
  double rate = 0;  // no-change polls/s offered by all agents together; 0: back to back
};

// When the last answer of any agent arrived (the end of a phase whose
// agents wait out their pace after the last request).
Clock::time_point last_answer;

// One simulated agent: a connection and the requests of the current phase.
class Agent : public std::enable_shared_from_this<Agent> {
 public:
  Agent(net::io_context& ioc, ssl::context& ctx, keyform::fleet::ServerAddress at)
      : resolver_(ioc), stream_(ioc, ctx), timer_(ioc), at_(std::move(at)) {}

  // Connects and handshakes, then calls `done(ok)`.
  void connect(std::function<void(bool)> done) {
    done_ = std::move(done);
    resolver_.async_resolve(
        at_.host, at_.port, [self = shared_from_this()](beast::error_code ec, auto results) {
          if (ec) return self->finish(false);
          beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
          beast::get_lowest_layer(self->stream_)
              .async_connect(results, [self](beast::error_code ec, auto) {
                if (ec) return self->finish(false);
                self->stream_.async_handshake(
                    ssl::stream_base::client, [self](beast::error_code ec) {
                      beast::get_lowest_layer(self->stream_).expires_never();
                      self->finish(!ec);
                    });
              });
        });
  }

  // Sends `target` again and again while `more()` says so; each answer's
  // latency goes to `latencies`, its status to `statuses`. With a `pace`,
  // one request per pace (the first after `offset`), else back to back.
  void loop(std::string target, std::function<bool()> more, std::vector<double>* latencies,
            std::vector<int>* statuses, std::function<void(bool)> done, Clock::duration pace = {},
            Clock::duration offset = {}) {
    target_ = std::move(target);
    more_ = std::move(more);
    latencies_ = latencies;
    statuses_ = statuses;
    done_ = std::move(done);
    pace_ = pace;
    due_ = Clock::now() + offset;
    wait_then_next();
  }

  // Sends one request and does not wait for its answer (a parked long-poll).
  void send_only(std::string target, std::function<void(bool)> done) {
    target_ = std::move(target);
    done_ = std::move(done);
    req_ = {http::verb::get, target_, 11};
    req_.set(http::field::host, at_.host);
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->finish(!ec);
    });
  }

 private:
  void next() {
    if (!more_()) return finish(true);
    req_ = {http::verb::get, target_, 11};
    req_.set(http::field::host, at_.host);
    started_ = Clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish(false);
      self->res_ = {};
      http::async_read(
          self->stream_, self->buffer_, self->res_, [self](beast::error_code ec, size_t) {
            if (ec) return self->finish(false);
            self->latencies_->push_back(
                std::chrono::duration<double, std::milli>(Clock::now() - self->started_).count());
            self->statuses_->push_back(self->res_.result_int());
            last_answer = Clock::now();
            self->due_ += self->pace_;
            self->wait_then_next();
          });
    });
  }
  void wait_then_next() {
    if (pace_ == Clock::duration{} || due_ <= Clock::now()) return next();
    if (!more_()) return finish(true);
    timer_.expires_at(due_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish(false);
      self->next();
    });
  }
  void finish(bool ok) {
    if (auto d = std::exchange(done_, nullptr)) d(ok);
  }

  tcp::resolver resolver_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer timer_;
  Clock::duration pace_{};
  Clock::time_point due_;
  keyform::fleet::ServerAddress at_;
  std::string target_;
  std::function<bool()> more_;
  std::vector<double>* latencies_ = nullptr;
  std::vector<int>* statuses_ = nullptr;
  std::function<void(bool)> done_;
  http::request<http::empty_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
  Clock::time_point started_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
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
int run_phase(net::io_context& ioc, std::vector<std::shared_ptr<Agent>>& agents,
              const std::function<void(Agent&, std::function<void(bool)>)>& start) {
  int left = static_cast<int>(agents.size()), ok = 0;
  for (auto& a : agents)
    start(*a, [&](bool good) {
      ok += good;
      --left;
    });
  while (left > 0 && ioc.run_one() > 0) {
  }
  ioc.restart();
  return ok;
}

// Connects every agent, at most `window` handshakes at a time (as a fleet
// starting up is spread out; 10,000 at once would only measure the accept
// queue); returns how many connected.
int connect_all(net::io_context& ioc, std::vector<std::shared_ptr<Agent>>& agents, size_t window) {
  size_t next = 0, left = agents.size();
  int ok = 0;
  std::function<void()> launch = [&] {
    if (next >= agents.size()) return;
    agents[next++]->connect([&](bool good) {
      ok += good;
      --left;
      launch();
    });
  };
  for (size_t i = 0; i < window; ++i) launch();
  while (left > 0 && ioc.run_one() > 0) {
  }
  ioc.restart();
  return ok;
}

// One descriptor per simulated agent: the soft limit up to the hard one.
void raise_open_file_limit(size_t needed) {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return;
  l.rlim_cur = l.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &l);
  if (l.rlim_cur != RLIM_INFINITY && l.rlim_cur < needed + 64)
    throw std::runtime_error("--agents " + std::to_string(needed) + " needs more open files than " +
                             std::to_string(l.rlim_cur) + " (ulimit -n)");
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
  ctx.add_certificate_authority(net::buffer(tls.server_ca_pem));
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.use_certificate_chain(net::buffer(tls.certificate_pem));
  ctx.use_private_key(net::buffer(tls.private_key_pem.data(), tls.private_key_pem.size()),
                      ssl::context::pem);
  net::io_context ioc{1};
  std::vector<std::shared_ptr<Agent>> agents;
  for (int i = 0; i < o.agents; ++i)
    agents.push_back(std::make_shared<Agent>(
        ioc, ctx,
        keyform::fleet::parse_server_url(o.servers[static_cast<size_t>(i) % o.servers.size()])));
  const long rss_idle = total_rss(o);
  auto t0 = Clock::now();
  const int connected = connect_all(ioc, agents, 200);
  std::printf("connected %d of %d agents to %zu replica(s) in %.2f s\n", connected, o.agents,
              o.servers.size(), std::chrono::duration<double>(Clock::now() - t0).count());
  const long rss_connected = total_rss(o);

  // No-change polls.
  std::vector<double> poll_ms;
  std::vector<int> poll_status;
  const double cpu0 = total_cpu(o), own0 = own_cpu_seconds();
  const auto end = Clock::now() + std::chrono::seconds(o.seconds);
  t0 = Clock::now();
  // With --rate, each agent polls once per agents/rate seconds, starting at
  // a random point of its first period (an open loop, as a fleet polls).
  const auto pace = o.rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(o.agents / o.rate))
                               : Clock::duration{};
  std::mt19937_64 rng(42);
  run_phase(ioc, agents, [&](Agent& a, std::function<void(bool)> done) {
    const auto offset =
        pace == Clock::duration{} ? Clock::duration{} : Clock::duration(rng() % pace.count());
    a.loop(
        "/v1/targets?since=" + revision + "&wait=0", [&] { return Clock::now() < end; }, &poll_ms,
        &poll_status, done, pace, offset);
  });
  const double poll_s = std::chrono::duration<double>(last_answer - t0).count();
  const double poll_cpu = total_cpu(o) - cpu0, own_cpu = own_cpu_seconds() - own0;
  const auto unchanged = std::count(poll_status.begin(), poll_status.end(), 304);
  std::printf(
      "no-change polls: %zu in %.2f s = %.0f/s (%ld answered 304); p50 %.2f ms, p99 %.2f ms\n",
      poll_ms.size(), poll_s, static_cast<double>(poll_ms.size()) / poll_s,
      static_cast<long>(unchanged), percentile(poll_ms, 0.5), percentile(poll_ms, 0.99));
  if (!o.pids.empty() && !poll_ms.empty())
    std::printf(
        "server CPU per no-change poll: %.3f ms (all replicas); the simulated agents used %.2f "
        "CPU s per s\n",
        poll_cpu * 1000 / static_cast<double>(poll_ms.size()), own_cpu / poll_s);

  // Full pulls.
  std::vector<double> pull_ms;
  std::vector<int> pull_status;
  std::vector<int> left(agents.size(), o.pulls);
  size_t k = 0;
  t0 = Clock::now();
  run_phase(ioc, agents, [&](Agent& a, std::function<void(bool)> done) {
    int* n = &left[k++];
    a.loop(
        "/v1/targets/" + o.target, [n] { return (*n)-- > 0; }, &pull_ms, &pull_status, done);
  });
  const auto pulled = std::count(pull_status.begin(), pull_status.end(), 200);
  std::printf("pulls: %zu (%ld answered 200) in %.2f s; p50 %.2f ms, p99 %.2f ms\n", pull_ms.size(),
              static_cast<long>(pulled), std::chrono::duration<double>(Clock::now() - t0).count(),
              percentile(pull_ms, 0.5), percentile(pull_ms, 0.99));

  // Parked long-polls.
  run_phase(ioc, agents, [&](Agent& a, std::function<void(bool)> done) {
    a.send_only("/v1/targets?since=" + revision + "&wait=60", done);
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
