#include "fleet/https_client.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <charconv>

#include "fleet/tls_context.h"
#include "util/error.h"

namespace keyform::fleet {

ServerAddress parse_server_url(const std::string& server) {
  constexpr std::string_view kScheme = "https://";
  std::string_view rest(server);
  if (!rest.starts_with(kScheme))
    throw Error("server \"" + server + "\": expected https://HOST:PORT");
  rest.remove_prefix(kScheme.size());
  if (rest.ends_with("/")) rest.remove_suffix(1);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
    throw Error("server \"" + server + "\": expected https://HOST:PORT");
  ServerAddress a{std::string(rest.substr(0, colon)), std::string(rest.substr(colon + 1))};
  for (char c : a.port)
    if (c < '0' || c > '9') throw Error("server \"" + server + "\": the port is not a number");
  if (a.host.find('/') != std::string::npos)
    throw Error("server \"" + server + "\": expected https://HOST:PORT with no path");
  return a;
}

HttpsResult https_request(const std::string& server, const std::string& method,
                          const std::string& target, const std::string& body, const ClientTls& tls,
                          std::chrono::seconds timeout) {
  const ServerAddress at = parse_server_url(server);
  ssl::context ctx{ssl::context::tls_client};
  try {
    require_tls12(ctx);
    ctx.add_certificate_authority(net::buffer(tls.server_ca_pem));
    ctx.set_verify_mode(ssl::verify_peer);
    if (!tls.certificate_pem.empty()) {
      ctx.use_certificate_chain(net::buffer(tls.certificate_pem));
      ctx.use_private_key(net::buffer(tls.private_key_pem.data(), tls.private_key_pem.size()),
                          ssl::context::pem);
    }
  } catch (const boost::system::system_error& e) {
    throw Error("cannot set up TLS for " + server + ": " + e.what());
  }
  net::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  // The server's certificate must name the host or address of the URL.
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  boost::system::error_code ip_ec;
  net::ip::make_address(at.host, ip_ec);
  if (!ip_ec)
    X509_VERIFY_PARAM_set1_ip_asc(param, at.host.c_str());
  else {
    X509_VERIFY_PARAM_set1_host(param, at.host.c_str(), 0);
    SSL_set_tlsext_host_name(stream.native_handle(), at.host.c_str());
  }
  HttpsResult out;
  try {
    tcp::resolver resolver(ioc);
    beast::get_lowest_layer(stream).expires_after(timeout);
    beast::get_lowest_layer(stream).connect(resolver.resolve(at.host, at.port));
    stream.handshake(ssl::stream_base::client);
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, at.host);
    req.set(http::field::user_agent, "keyform-agent");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    http::response<http::string_body> res = parser.release();
    out.status = res.result_int();
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::retry_after); it != res.end())
      out.retry_after = std::string(it->value());
    beast::error_code ignored;
    stream.shutdown(ignored);
  } catch (const boost::system::system_error& e) {
    std::string why = e.code().message();
    if (e.code().category() == net::error::get_ssl_category()) {
      long verify = SSL_get_verify_result(stream.native_handle());
      if (verify != X509_V_OK)
        why = std::string("the server's certificate is not trusted: ") +
              X509_verify_cert_error_string(verify);
    }
    throw Error("request to " + server + target + " failed: " + why);
  }
  return out;
}

int retry_after_seconds(const HttpsResult& r, int absent, int most) {
  int seconds = 0;
  const char* begin = r.retry_after.data();
  const char* end = begin + r.retry_after.size();
  const auto [at, ec] = std::from_chars(begin, end, seconds);
  if (r.retry_after.empty() || ec != std::errc() || at != end) return absent;
  return std::clamp(seconds, 1, most);
}

}  // namespace keyform::fleet
