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

}  // namespace keyform::fleet
