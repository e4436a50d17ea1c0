#include "fleet/https_server.h"

#include <openssl/crypto.h>
#include <sys/resource.h>

#include <array>
#include <atomic>
#include <csignal>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "fleet/parked_polls.h"
#include "fleet/tls_context.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform::fleet {

namespace {

constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr size_t kMaxHeader = 8 * 1024;
constexpr size_t kLingerBytes = 1024 * 1024;  // what a refused body may still send

void cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// One connection: handshake, then requests one at a time (keep-alive).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ssl::context& ctx, net::thread_pool& worker,
          const RequestHandler& handler, size_t max_body, ParkedPolls& parked)
      : stream_(std::move(socket), ctx),
        worker_(worker),
        handler_(handler),
        max_body_(max_body),
        parked_(parked),
        timer_(stream_.get_executor()) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

 private:
  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(kHandshakeTimeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              // A refused certificate ends here, at the TLS layer.
                              if (!ec) self->on_handshake();
                            });
  }

  void on_handshake() {
    if (X509* cert = SSL_get0_peer_certificate(stream_.native_handle())) {
      try {
        if (std::optional<AgentIdentity> id = certificate_identity(cert))
          peer_ = Peer{*id, x509::serial_hex(cert), x509::not_before(cert), x509::not_after(cert)};
        else
          peer_problem_ = "it has no keyform:// URI";
      } catch (const Error& e) {
        peer_problem_ = e.what();
      }
    }
    read();
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(max_body_);
    parser_->header_limit(kMaxHeader);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == ssl::error::stream_truncated || ec == beast::error::timeout)
      return shutdown();
    if (ec == http::error::body_limit) {
      linger_ = true;
      return respond(
          error_response(413, "body_too_large",
                         "the request body is larger than " + std::to_string(max_body_) + " bytes"),
          true);
    }
    if (ec == http::error::header_limit)
      return respond(error_response(431, "headers_too_large", "the request headers are too large"),
                     true);
    if (ec)
      return respond(error_response(400, "bad_request", "the request is not valid HTTP/1.1"), true);
    http::request<http::string_body> req = parser_->release();
    auto api = std::make_shared<ApiRequest>();
    api->method = std::string(req.method_string());
    api->target = std::string(req.target());
    api->body = std::move(req.body());
    api->peer = peer_;
    api->peer_problem = peer_problem_;
    const bool close = !req.keep_alive();
    api->may_park = true;
    poll_deadline_.reset();
    handle(api, close);
  }

  // The state work runs on the worker; the answer comes back to this
  // connection's executor.
  void handle(std::shared_ptr<ApiRequest> api, bool close) {
    net::post(worker_, [self = shared_from_this(), api, close] {
      auto response = std::make_shared<ApiResponse>(self->handler_(*api));
      if (response->park.count() == 0) cleanse(api->body);
      net::post(self->stream_.get_executor(), [self, api, response, close] {
        if (response->park.count() > 0 && api->may_park)
          return self->park(api, response->park, close);
        self->respond(std::move(*response), close);
      });
    });
  }

  // Nothing new for a long-poll: no thread waits, only this timer and the
  // ticket a change wakes; the wait counts from the first time it parked.
  void park(std::shared_ptr<ApiRequest> api, std::chrono::milliseconds wait, bool close) {
    if (!poll_deadline_) poll_deadline_ = std::chrono::steady_clock::now() + wait;
    auto self = shared_from_this();
    ticket_ = parked_.add([self, api, close] {
      net::post(self->stream_.get_executor(), [self, api, close] {
        self->timer_.cancel();
        self->rerun(api, close, true);
      });
    });
    timer_.expires_at(*poll_deadline_);
    timer_.async_wait([self, api, close, ticket = ticket_](beast::error_code ec) {
      // Cancelled by a wake-up, or woken already: the waker answers.
      if (ec || !self->parked_.remove(ticket)) return;
      self->rerun(api, close, false);
    });
  }

  void rerun(std::shared_ptr<ApiRequest> api, bool close, bool may_park) {
    api->received = std::chrono::steady_clock::now();
    api->may_park = may_park && std::chrono::steady_clock::now() < *poll_deadline_;
    handle(api, close);
  }

  void respond(ApiResponse r, bool close) {
    close_ = close;
    res_ = {};
    res_.version(11);
    res_.result(static_cast<http::status>(r.status));
    res_.set(http::field::server, "keyform");
    res_.set(http::field::content_type, "application/json");
    res_.set(http::field::cache_control, "no-store");
    if (r.retry_after > 0) res_.set(http::field::retry_after, std::to_string(r.retry_after));
    res_.body() = std::move(r.body);
    cleanse(r.body);
    res_.keep_alive(!close);
    res_.prepare_payload();
    // A long-poll's read timer may have little left.
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      // The body may hold deployed keys or values.
      cleanse(self->res_.body());
      if (ec) return;
      if (self->close_ && self->linger_)
        self->linger(kLingerBytes);
      else if (self->close_)
        self->shutdown();
      else
        self->read();
    });
  }

  // A request refused before its body was read (too large) may still be
  // arriving: closing at once would reset the connection, and the client
  // could lose the answer it was sent. Read and drop what comes, bounded in
  // bytes and time (as a web server's lingering close), then close.
  void linger(size_t left) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this(), left](beast::error_code ec, size_t n) {
                              if (ec || n >= left) return self->shutdown();
                              self->linger(left - n);
                            });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  net::thread_pool& worker_;
  const RequestHandler& handler_;
  size_t max_body_;
  ParkedPolls& parked_;
  net::steady_timer timer_;
  std::optional<std::chrono::steady_clock::time_point> poll_deadline_;
  uint64_t ticket_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::optional<Peer> peer_;
  std::string peer_problem_;
  bool close_ = false;
  bool linger_ = false;
  std::array<char, 16 * 1024> drain_;
};

void make_tls_context(ssl::context& ctx, const ServerTls& tls) {
  try {
    require_tls12(ctx);
    ctx.use_certificate_chain(net::buffer(tls.certificate_chain_pem));
    ctx.use_private_key(net::buffer(tls.private_key_pem.data(), tls.private_key_pem.size()),
                        ssl::context::pem);
    ctx.add_certificate_authority(net::buffer(tls.client_ca_pem));
    // Asked for, verified against the agent CA when sent; enrol needs none.
    ctx.set_verify_mode(ssl::verify_peer);
    pass_client_certificates_out_of_validity(ctx);
    static const unsigned char kContext[] = "keyform serve";
    SSL_CTX_set_session_id_context(ctx.native_handle(), kContext, sizeof kContext - 1);
  } catch (const boost::system::system_error& e) {
    throw Error(std::string("cannot set up TLS: ") + e.what());
  }
}

// Every parked long-poll holds a descriptor: serve raises its soft limit of
// open files to the hard one (as nginx's worker_rlimit_nofile), and says so
// when that is low for a fleet.
void raise_open_file_limit(std::ostream& log) {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) != 0) return;
  if (l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
    ::getrlimit(RLIMIT_NOFILE, &l);
  }
  if (l.rlim_cur != RLIM_INFINITY && l.rlim_cur < 8192)
    log << "keyform serve: warning: at most " << l.rlim_cur
        << " open files (ulimit -n): each connected agent holds one; raise LimitNOFILE"
        << std::endl;
}

}  // namespace

void serve_https(const ServerOptions& options, const ServerTls& tls, RequestHandler handler,
                 std::ostream& log, ChangeWatch watch) {
  ssl::context ctx{ssl::context::tls_server};
  make_tls_context(ctx, tls);
  net::io_context ioc{1};
  net::thread_pool worker{1};
  ParkedPolls parked;
  tcp::acceptor acceptor{ioc};
  try {
    const tcp::endpoint at{net::ip::make_address(options.address), options.port};
    acceptor.open(at.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(at);
    acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const boost::system::system_error& e) {
    throw Error("cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                e.code().message());
  }
  raise_open_file_limit(log);
  const tcp::endpoint bound = acceptor.local_endpoint();
  // The event loop and the watcher both log: one line at a time.
  std::mutex log_mu;
  auto say = [&](const std::string& line) {
    std::lock_guard<std::mutex> hold(log_mu);
    log << "keyform serve: " << line << std::endl;
  };
  // An accept that fails (out of descriptors, a connection reset while
  // queued) must not stop serve accepting: it is logged, and after running
  // out of descriptors tried again a moment later, when some have closed.
  net::steady_timer accept_pause{ioc};
  std::function<void()> accept = [&] {
    acceptor.async_accept(net::make_strand(ioc), [&](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;  // shutdown
      if (!ec) {
        std::make_shared<Session>(std::move(socket), ctx, worker, handler, options.max_body, parked)
            ->run();
        return accept();
      }
      say("accepting a connection: " + ec.message());
      accept_pause.expires_after(std::chrono::milliseconds(100));
      accept_pause.async_wait([&](beast::error_code) {
        if (acceptor.is_open()) accept();
      });
    });
  };
  accept();
  // The tick, on the worker thread the handler runs on.
  net::steady_timer tick_timer{ioc};
  std::function<void()> tick = [&] {
    tick_timer.expires_after(options.tick_every);
    tick_timer.async_wait([&](beast::error_code ec) {
      if (ec) return;
      net::post(worker, options.tick);
      tick();
    });
  };
  if (options.tick) tick();
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  signals.async_wait([&](beast::error_code, int) {
    accept_pause.cancel();
    tick_timer.cancel();
    acceptor.close();
    ioc.stop();
  });
  // The watcher: a change wakes every parked long-poll (each asks again).
  std::atomic<bool> stopping{false};
  std::thread watcher;
  if (watch)
    watcher = std::thread([&] {
      while (!stopping) {
        bool changed = false;
        try {
          changed = watch(std::chrono::seconds(1));
        } catch (const std::exception& e) {
          say(std::string("watching for changes: ") + e.what());
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        if (changed && !stopping) parked.wake_all();
      }
    });
  say("listening on https://" + bound.address().to_string() + ":" + std::to_string(bound.port()));
  ioc.run();
  stopping = true;
  if (watcher.joinable()) watcher.join();
  if (options.tick) net::post(worker, options.tick);
  worker.join();
  say("stopped");
}

}  // namespace keyform::fleet
