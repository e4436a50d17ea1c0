// CRL generation time for a CA with many revoked serials (docs/benchmarks.md).
//
//   crl_bench [N]   (default 100000)
//
// For each CA key algorithm: fold N revocations into a CA's recorded
// attributes, then sign a CRL over them the way a `revoke` apply does
// (regenerate_crl: the recorded list -> X509_CRL -> sign -> PEM), and
// separately the OpenSSL part alone (make_crl + PEM). Median of 3 runs, in
// CPU seconds of this process (the machine is shared: wall time there
// measures the neighbours), with the wall time of the apply path beside it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "providers/pki/crl.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/revocation_list.h"
#include "util/random.h"

using namespace keyform;

namespace {

constexpr UnixTime kNow = 1798761600;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct Timing {
  double cpu = 0, wall = 0;
};

template <typename F>
Timing median_of_3(F f) {
  std::vector<Timing> t;
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    std::clock_t cpu = std::clock();
    f();
    t.push_back({double(std::clock() - cpu) / CLOCKS_PER_SEC, seconds_since(start)});
  }
  std::sort(t.begin(), t.end(), [](const Timing& a, const Timing& b) { return a.cpu < b.cpu; });
  return t[1];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
  std::vector<Revocation> revocations;
  revocations.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string serial = random_id(16);
    revocations.push_back({"Certificate/c" + std::to_string(i), serial,
                           i % 2 ? "superseded" : "cessationOfOperation"});
  }
  std::printf("%zu revoked serials (16 random bytes each)\n", n);
  std::printf("%-14s %10s %12s %12s %12s %10s\n", "CA key", "fold cpu", "CRL+PEM cpu", "apply cpu",
              "apply wall", "PEM (MB)");
  for (auto [algorithm, name] : {std::pair{x509::KeyAlgorithm::kEcP256, "EC_prime256v1"},
                                 std::pair{x509::KeyAlgorithm::kEcP384, "EC_secp384r1"},
                                 std::pair{x509::KeyAlgorithm::kRsa2048, "RSA_2048"},
                                 std::pair{x509::KeyAlgorithm::kRsa4096, "RSA_4096"},
                                 std::pair{x509::KeyAlgorithm::kEd25519, "ED25519"}}) {
    x509::PkeyPtr key = x509::generate_key(algorithm);
    x509::RootCaRequest req;
    req.subject.common_name = "Bench Root";
    req.key = key.get();
    req.validity = {kNow, 365 * 86400};
    x509::CertPtr cert = x509::make_root_ca(req);
    nlohmann::json base = pki::certificate_attributes(cert.get());

    nlohmann::json attrs;
    Timing fold = median_of_3([&] {
      attrs = base;
      pki::fold_revocations(attrs, revocations, kNow);
    });

    x509::CrlRequest crl_req;
    crl_req.issuer_cert = cert.get();
    crl_req.issuer_key = key.get();
    crl_req.this_update = kNow;
    crl_req.next_update = kNow + 7 * 86400;
    for (const Revocation& r : revocations)
      crl_req.revoked.push_back({r.serial, kNow, x509::RevocationReason::kSuperseded});
    size_t pem_size = 0;
    Timing openssl_only = median_of_3([&] {
      x509::CrlPtr crl = x509::make_crl(crl_req);
      pem_size = x509::crl_to_pem(crl.get()).size();
    });

    Timing as_apply = median_of_3([&] { pki::regenerate_crl(attrs, key.get(), 7 * 86400, kNow); });
    std::printf("%-14s %10.3f %12.3f %12.3f %12.3f %10.1f\n", name, fold.cpu, openssl_only.cpu,
                as_apply.cpu, as_apply.wall, pem_size / 1e6);
  }
  return 0;
}
