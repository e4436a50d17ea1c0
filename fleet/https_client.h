#pragma once
// The agent's side of the API: one HTTPS request at a time (Boost.Beast over
// OpenSSL), TLS 1.2 or newer, the server checked against the CA file given at
// enrolment and against the host or address in the server URL, and the
// agent's identity certificate presented when it has one.
#include <chrono>
#include <string>

#include "util/secret_bytes.h"

namespace keyform::fleet {

struct ClientTls {
  std::string server_ca_pem;    // the CA the server's certificate must chain to
  std::string certificate_pem;  // the agent's identity; "" before enrolment
  SecretBytes private_key_pem;  // its key
};

struct HttpsResult {
  int status = 0;
  std::string body;
  std::string retry_after;  // the Retry-After header, "" when absent
};

// The answer's Retry-After in seconds (delay-seconds, RFC 9110 10.2.3),
// within [1, most]; `absent` when it has none or it is not a number of
// seconds (an HTTP date is not used by keyform serve).
int retry_after_seconds(const HttpsResult& r, int absent, int most);

// `server` is "https://HOST:PORT". Throws keyform::Error when the server
// cannot be reached or the TLS handshake fails (naming why).
HttpsResult https_request(const std::string& server, const std::string& method,
                          const std::string& target, const std::string& body, const ClientTls& tls,
                          std::chrono::seconds timeout = std::chrono::seconds(30));

// "https://127.0.0.1:8443" -> host "127.0.0.1", port "8443". Throws when it is
// not an https URL with a host and a port.
struct ServerAddress {
  std::string host;
  std::string port;
};
ServerAddress parse_server_url(const std::string& server);

}  // namespace keyform::fleet
