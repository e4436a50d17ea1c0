#pragma once
// The HTTPS transport of keyform serve, on Boost.Beast and Boost.Asio over
// OpenSSL: one event loop thread holds every connection (TLS handshakes,
// reads, writes); requests are handed to one worker thread, so a request
// waiting for the state lock never stalls the other connections. A long-poll
// with nothing new (ApiResponse::park) holds no thread: it waits in the
// event loop on a timer until `watch` reports a change (then the handler is
// asked again) or its wait runs out (then asked once more, may_park false).
//
// TLS 1.2 or newer only. A client certificate is asked for and, when sent,
// must chain to the agent CA or the handshake fails; without one only the
// endpoints that need none (health, enroll) answer. Bodies over
// kMaxRequestBody are refused with 413 before they are read.
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "fleet/api_request.h"
#include "util/secret_bytes.h"

namespace keyform::fleet {

struct ServerTls {
  std::string certificate_chain_pem;  // the server's certificate, then its chain
  SecretBytes private_key_pem;
  std::string client_ca_pem;  // the agent CA: client certificates must chain to it
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port (printed)
  size_t max_body = kMaxRequestBody;
  // Called on the handler's thread every `tick_every`, and once more when
  // serve stops (serve flushes its batched audit records there).
  std::function<void()> tick;
  std::chrono::milliseconds tick_every{100};
};

using RequestHandler = std::function<ApiResponse(const ApiRequest&)>;
// Called in a loop on a thread of its own: waits up to the given time and
// says whether the state or the configuration may have changed (the parked
// long-polls are then woken). Empty: parked polls wait out their time.
using ChangeWatch = std::function<bool(std::chrono::milliseconds)>;

// Listens, prints "keyform serve: listening on https://ADDR:PORT" to `log`
// once ready, and serves until SIGINT or SIGTERM. Throws keyform::Error when
// it cannot listen or the TLS material is unusable.
void serve_https(const ServerOptions& options, const ServerTls& tls, RequestHandler handler,
                 std::ostream& log, ChangeWatch watch = {});

}  // namespace keyform::fleet
