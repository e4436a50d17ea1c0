#pragma once
// One simulated agent of the fleet benchmarks (bench/fleet_bench.cc,
// bench/fleet_rollout_bench.cc): a keep-alive mutual-TLS connection to one
// serve replica (Boost.Asio; every agent of a process on one io_context)
// sending one request at a time.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fleet/https_client.h"

namespace keyform::bench {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

class SimAgent : public std::enable_shared_from_this<SimAgent> {
 public:
  SimAgent(net::io_context& ioc, ssl::context& ctx, fleet::ServerAddress at)
      : resolver_(ioc), stream_(ioc, ctx), timer_(ioc), at_(std::move(at)) {}

  // Resolves, connects and handshakes (within 30 s), then `done(ok)`.
  void connect(std::function<void(bool)> done);

  // Sends one request; `done(ok, status, body)` when its answer arrived
  // (ok false: the connection failed).
  using Answer = std::function<void(bool ok, int status, std::string body)>;
  void request(http::verb method, std::string target, std::string body, Answer done);

  // Sends one request and does not wait for its answer (a parked long-poll).
  void send_only(std::string target, std::function<void(bool)> done);

  // Calls `then` at `when` (at once when it is past).
  void at(Clock::time_point when, std::function<void()> then);

 private:
  net::ip::tcp::resolver resolver_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  net::steady_timer timer_;
  fleet::ServerAddress at_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
};

// A client TLS context presenting `tls`'s identity and trusting its server CA.
void use_identity(ssl::context& ctx, const fleet::ClientTls& tls);

using Agents = std::vector<std::shared_ptr<SimAgent>>;

// Connects every agent, at most `window` handshakes at a time (as a fleet
// starting up is spread out; 10,000 at once would only measure the accept
// queue); returns how many connected.
int connect_all(net::io_context& ioc, Agents& agents, size_t window);

// One descriptor per simulated agent: the soft limit of open files up to the
// hard one; throws when that is fewer than `needed`.
void raise_open_file_limit(size_t needed);

// Runs the event loop until `*left` is 0 (or nothing is left to run).
void run_until_done(net::io_context& ioc, const int* left);

// The time of the last answer any SimAgent received.
Clock::time_point last_answer();

double percentile(std::vector<double> v, double p);

}  // namespace keyform::bench
