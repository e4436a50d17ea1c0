#include "providers/deploy/tls_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "providers/pki/x509.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {

namespace {

void split_address(const std::string& address, std::string* host, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size())
    throw Error("expected host:port (got \"" + address + "\")");
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  if (host->empty()) throw Error("expected host:port (got \"" + address + "\")");
}

// A connected TCP socket, or an Error naming the last failure.
Fd connect_to(const std::string& address, std::chrono::milliseconds timeout) {
  std::string host, port;
  split_address(address, &host, &port);
  struct addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    throw Error("cannot resolve " + address + ": " + ::gai_strerror(rc));
  std::unique_ptr<struct addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  std::string last = "no address";
  for (struct addrinfo* ai = found; ai; ai = ai->ai_next) {
    Fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) {
      last = errno_text(errno);
      continue;
    }
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = errno_text(errno);
        continue;
      }
      struct pollfd p = {fd.get(), POLLOUT, 0};
      int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
      int err = 0;
      socklen_t len = sizeof err;
      if (ready <= 0) {
        last = "connection timed out";
        continue;
      }
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last = errno_text(err);
        continue;
      }
    }
    // Blocking from here, bounded by socket timeouts.
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {static_cast<time_t>(timeout.count() / 1000),
                         static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
  }
  throw Error("cannot connect to " + address + ": " + last);
}

std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "handshake failed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

}  // namespace

std::string address_host(const std::string& address) {
  std::string host, port;
  split_address(address, &host, &port);
  return host;
}

ServedCertificate OpenSslTlsProbe::served(const std::string& address,
                                          const std::string& server_name,
                                          std::chrono::milliseconds timeout) {
  Fd fd = connect_to(address, timeout);
  std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                          ::SSL_CTX_free);
  if (!ctx) throw Error("cannot set up TLS: " + openssl_reason());
  // Not verified on purpose: the caller compares the leaf's fingerprint
  // with the one it deployed, which is stricter than any chain check.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&::SSL_free)> ssl(SSL_new(ctx.get()), ::SSL_free);
  if (!ssl) throw Error("cannot set up TLS: " + openssl_reason());
  if (!server_name.empty()) SSL_set_tlsext_host_name(ssl.get(), server_name.c_str());
  SSL_set_fd(ssl.get(), fd.get());
  if (SSL_connect(ssl.get()) != 1)
    throw Error("TLS handshake with " + address + " failed: " + openssl_reason());
  x509::CertPtr leaf(SSL_get1_peer_certificate(ssl.get()));
  if (!leaf) throw Error(address + " served no certificate");
  ServedCertificate out{x509::fingerprint_sha256(leaf.get()), x509::serial_hex(leaf.get())};
  SSL_shutdown(ssl.get());
  return out;
}

}  // namespace keyform
