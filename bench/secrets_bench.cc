// Sealing and opening throughput, in objects per second, on one thread:
// Keyring::seal/open (envelope encryption under a KmsKey version, the path
// of every secret version and private key) with an in-memory object store,
// so the figure is the cryptography without the disk; and `keyform seal`
// values (X25519 + HKDF + AES-256-GCM) sealed and opened.
//
//   secrets_bench [N]     (default 20000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "providers/secrets/sealed_value.h"
#include "state/keyring.h"
#include "tests/unit/providers_harness.h"
#include "util/random.h"

namespace {

template <typename F>
double per_second(int n, F&& f) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f(i);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return n / took.count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace keyform;
  const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  testing::MemoryObjectStore store;
  Keyring keyring(random_secret(32), store);
  KeyRef key{"KmsKey/main", 1, keyring.create_kms_material("KmsKey/main", 1)};
  SecretBytes value = random_secret(32);
  std::vector<std::string> ids(n);
  double seal = per_second(n, [&](int i) {
    ids[i] = keyring.seal("Secret/s" + std::to_string(i) + "#version/1", value, key);
  });
  double open = per_second(
      n, [&](int i) { keyring.open(ids[i], "Secret/s" + std::to_string(i) + "#version/1"); });
  std::printf("keyring seal (32-byte value, KmsKey-wrapped data key): %.0f objects/s\n", seal);
  std::printf("keyring open: %.0f objects/s\n", open);

  secrets::SealKeyPair pair = secrets::generate_seal_key();
  std::vector<std::string> sealed(n / 4);
  double vseal =
      per_second(n / 4, [&](int i) { sealed[i] = secrets::seal_value(pair.public_key, value); });
  double vopen =
      per_second(n / 4, [&](int i) { secrets::open_sealed_value(sealed[i], pair.private_key); });
  std::printf("keyform seal value (X25519 + HKDF + AES-GCM): %.0f values/s\n", vseal);
  std::printf("open sealed value: %.0f values/s\n", vopen);
  return 0;
}
