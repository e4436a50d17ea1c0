#pragma once
// What the fleet's HTTPS server and client share: Boost.Beast over
// Boost.Asio's OpenSSL streams, and the protocol floor (TLS 1.2).
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace keyform::fleet {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// No SSL 2/3, TLS 1.0 or 1.1: TLS 1.2 and 1.3 only. Throws keyform::Error.
void require_tls12(ssl::context& ctx);

// Serve: a client certificate that verifies against the agent CA but for its
// own validity period (expired, or not valid yet by this host's clock) passes
// the handshake, so the application can judge it with serve's clock and
// answer with an explicit code (docs/fleet.md, "Identity lifecycle"): an
// expired agent within the renewal grace may still renew. Every other
// failure (another CA, an expired CA, a bad signature) still fails the
// handshake.
void pass_client_certificates_out_of_validity(ssl::context& ctx);

}  // namespace keyform::fleet
