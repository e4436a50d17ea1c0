// Issuance throughput per key algorithm, in process, beside the machine's
// own `openssl speed` figures:
//   issuance_bench [SECONDS_PER_ALGORITHM]
// For each algorithm: keys generated per second, certificates signed per
// second by a CA of the same family (key given), and full issuances per
// second (new key + certificate + PKCS#8 PEM of the key), which is what a
// Certificate create or renew costs before sealing and state writes. Then
// `openssl speed` for the matching sign operations. Nothing here is a test.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "providers/pki/x509.h"

using namespace keyform;

namespace {

struct Algo {
  x509::KeyAlgorithm key;
  const char* name;
  const char* speed;  // `openssl speed` algorithm name
};

constexpr Algo kAlgos[] = {
    {x509::KeyAlgorithm::kEcP256, "EC_prime256v1", "ecdsap256"},
    {x509::KeyAlgorithm::kEcP384, "EC_secp384r1", "ecdsap384"},
    {x509::KeyAlgorithm::kRsa2048, "RSA_2048", "rsa2048"},
    {x509::KeyAlgorithm::kRsa3072, "RSA_3072", "rsa3072"},
    {x509::KeyAlgorithm::kRsa4096, "RSA_4096", "rsa4096"},
    {x509::KeyAlgorithm::kEd25519, "ED25519", "ed25519"},
};

// CPU seconds of this process: like `openssl speed` (without -elapsed),
// the figures divide by CPU time, so a machine shared with other work gives
// the same rates as an idle one.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// Runs `f` for about `seconds` of CPU time and at least 5 times; returns
// calls per CPU second.
template <typename F>
double rate(double seconds, F f) {
  const double start = cpu_seconds();
  long n = 0;
  double elapsed = 0;
  do {
    f();
    ++n;
    elapsed = cpu_seconds() - start;
  } while (elapsed < seconds || n < 5);
  return n / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  std::printf("%-14s %12s %12s %12s\n", "algorithm", "keygen/s", "sign/s", "issue/s");
  for (const Algo& a : kAlgos) {
    x509::PkeyPtr ca_key = x509::generate_key(a.key);
    x509::RootCaRequest root;
    root.subject.common_name = "Bench CA";
    root.key = ca_key.get();
    root.validity = {1798761600, 10 * 365 * 86400};
    x509::CertPtr ca = x509::make_root_ca(root);
    x509::LeafRequest req;
    req.subject.common_name = "bench.example";
    req.dns_names = {"bench.example"};
    req.validity = {1798761600, 90 * 86400};

    double keygen = rate(seconds, [&] { x509::generate_key(a.key); });
    x509::PkeyPtr leaf_key = x509::generate_key(a.key);
    req.public_key = leaf_key.get();
    double sign = rate(seconds, [&] { x509::issue_certificate(req, ca.get(), ca_key.get()); });
    double issue = rate(seconds, [&] {
      x509::PkeyPtr k = x509::generate_key(a.key);
      req.public_key = k.get();
      x509::CertPtr c = x509::issue_certificate(req, ca.get(), ca_key.get());
      x509::private_key_to_pem(k.get(), x509::KeyEncoding::kPkcs8);
      x509::certificate_to_pem(c.get());
    });
    std::printf("%-14s %12.1f %12.1f %12.1f\n", a.name, keygen, sign, issue);
  }

  std::printf("\nopenssl speed (sign/s and verify/s per CPU second, 1 thread):\n");
  std::fflush(stdout);
  std::string cmd = "openssl speed -seconds 2";
  for (const Algo& a : kAlgos) cmd += std::string(" ") + a.speed;
  cmd += " 2>/dev/null | grep -E '^ *(rsa|[0-9]+ bits ecdsa|253 bits EdDSA)|sign/s'";
  return std::system(cmd.c_str()) == 0 ? 0 : 1;
}
