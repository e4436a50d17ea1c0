#pragma once
// The seam through which a deployment asks a TLS endpoint which certificate
// it serves (verify.tls, and drift), so tests can use a fake.
#include <chrono>
#include <string>

namespace keyform {

struct ServedCertificate {
  std::string fingerprint_sha256;  // of the leaf, lower-case hex
  std::string serial;              // lower-case hex
};

class TlsProbe {
 public:
  virtual ~TlsProbe() = default;
  // Connects to address ("host:port", "[v6]:port") sending SNI server_name,
  // completes a handshake without verifying the chain (the caller compares
  // fingerprints) and returns the leaf the endpoint served. Throws
  // keyform::Error with the reason when it cannot (refused, timed out, no
  // certificate, handshake failure).
  virtual ServedCertificate served(const std::string& address, const std::string& server_name,
                                   std::chrono::milliseconds timeout) = 0;
};

class OpenSslTlsProbe : public TlsProbe {
 public:
  ServedCertificate served(const std::string& address, const std::string& server_name,
                           std::chrono::milliseconds timeout) override;
};

// The host of "host:port" or "[v6]:port"; throws on a malformed address.
std::string address_host(const std::string& address);

}  // namespace keyform
