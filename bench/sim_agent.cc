#include "bench/sim_agent.h"

#include <sys/resource.h>

#include <algorithm>
#include <stdexcept>

namespace keyform::bench {

namespace {
Clock::time_point g_last_answer;
}

void SimAgent::connect(std::function<void(bool)> done) {
  resolver_.async_resolve(
      at_.host, at_.port,
      [self = shared_from_this(), done = std::move(done)](beast::error_code ec, auto results) {
        if (ec) return done(false);
        beast::get_lowest_layer(self->stream_).expires_after(std::chrono::seconds(30));
        beast::get_lowest_layer(self->stream_)
            .async_connect(results, [self, done](beast::error_code ec, auto) {
              if (ec) return done(false);
              self->stream_.async_handshake(
                  ssl::stream_base::client, [self, done](beast::error_code ec) {
                    beast::get_lowest_layer(self->stream_).expires_never();
                    done(!ec);
                  });
            });
      });
}

void SimAgent::request(http::verb method, std::string target, std::string body, Answer done) {
  req_ = {method, std::move(target), 11};
  req_.set(http::field::host, at_.host);
  if (method == http::verb::post) req_.set(http::field::content_type, "application/json");
  req_.body() = std::move(body);
  req_.prepare_payload();
  http::async_write(
      stream_, req_,
      [self = shared_from_this(), done = std::move(done)](beast::error_code ec, size_t) {
        if (ec) return done(false, 0, "");
        self->res_ = {};
        http::async_read(self->stream_, self->buffer_, self->res_,
                         [self, done](beast::error_code ec, size_t) {
                           if (ec) return done(false, 0, "");
                           g_last_answer = Clock::now();
                           done(true, self->res_.result_int(), std::move(self->res_.body()));
                         });
      });
}

void SimAgent::send_only(std::string target, std::function<void(bool)> done) {
  req_ = {http::verb::get, std::move(target), 11};
  req_.set(http::field::host, at_.host);
  http::async_write(stream_, req_,
                    [self = shared_from_this(), done = std::move(done)](beast::error_code ec,
                                                                        size_t) { done(!ec); });
}

void SimAgent::at(Clock::time_point when, std::function<void()> then) {
  if (when <= Clock::now()) return then();
  timer_.expires_at(when);
  timer_.async_wait([self = shared_from_this(), then = std::move(then)](beast::error_code ec) {
    if (!ec) then();
  });
}

void use_identity(ssl::context& ctx, const fleet::ClientTls& tls) {
  ctx.add_certificate_authority(net::buffer(tls.server_ca_pem));
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.use_certificate_chain(net::buffer(tls.certificate_pem));
  ctx.use_private_key(net::buffer(tls.private_key_pem.data(), tls.private_key_pem.size()),
                      ssl::context::pem);
}

int connect_all(net::io_context& ioc, Agents& agents, size_t window) {
  size_t next = 0;
  int left = static_cast<int>(agents.size()), ok = 0;
  std::function<void()> launch = [&] {
    if (next >= agents.size()) return;
    agents[next++]->connect([&](bool good) {
      ok += good;
      --left;
      launch();
    });
  };
  for (size_t i = 0; i < window; ++i) launch();
  run_until_done(ioc, &left);
  return ok;
}

void raise_open_file_limit(size_t needed) {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return;
  l.rlim_cur = l.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &l);
  if (l.rlim_cur != RLIM_INFINITY && l.rlim_cur < needed + 64)
    throw std::runtime_error(std::to_string(needed) + " agents need more open files than " +
                             std::to_string(l.rlim_cur) + " (ulimit -n)");
}

void run_until_done(net::io_context& ioc, const int* left) {
  while (*left > 0 && ioc.run_one() > 0) {
  }
  ioc.restart();
}

Clock::time_point last_answer() { return g_last_answer; }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace keyform::bench
