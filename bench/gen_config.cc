// Writes a keyform configuration of many resources for the benchmarks:
//   gen_config DIR CERTIFICATES [CAS] [--offset K]
// One KmsKey, CAS root CAs (EC P-256), CERTIFICATES certificates (EC P-256)
// spread over the CAs, and one DeploymentTarget per certificate writing 3
// files (certificate, privateKey, fullchain). Resources = 1 + CAS + 2 * CERTIFICATES.
// Certificates go 500 to a file, like a large team's repository.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gen_config DIR CERTIFICATES [CAS] [--offset K]\n");
    return 1;
  }
  std::filesystem::path dir = argv[1];
  long certs = std::atol(argv[2]);
  long cas = argc > 3 && argv[3][0] != '-' ? std::atol(argv[3]) : 10;
  long offset = 0;
  for (int i = 3; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--offset") offset = std::atol(argv[i + 1]);
  std::filesystem::create_directories(dir / "certs");
  if (offset == 0) {
    std::ofstream(dir / "keyform.yaml") << "kind: Project\nname: bench\nspec:\n  account: \"1\"\n"
                                           "  defaults: {kmsKey: main}\n";
    std::ofstream cfg(dir / "cas.yaml");
    cfg << "kind: KmsKey\nname: main\nspec: {}\n";
    for (long c = 0; c < cas; ++c)
      cfg << "---\nkind: CertificateAuthority\nname: ca-" << c
          << "\nspec:\n  type: root\n  subject: {commonName: Bench CA " << c
          << ", organization: Bench}\n  keyAlgorithm: EC_prime256v1\n  validity: 10y\n";
  }
  std::ofstream out;
  for (long i = offset; i < offset + certs; ++i) {
    if ((i - offset) % 500 == 0) {
      out.close();
      out.open(dir / "certs" /
               ("certs-" + std::to_string(i / 500) + (offset ? "-x" : "") + ".yaml"));
    } else {
      out << "---\n";
    }
    out << "kind: Certificate\nname: svc-" << i << "\nspec:\n  issuer: ca-" << i % cas
        << "\n  template: EndEntityServerAuthCertificate\n  commonName: svc-" << i
        << ".bench.internal\n  dnsNames: [svc-" << i << ".bench.internal]\n"
        << "  keyAlgorithm: EC_prime256v1\n  validity: 90d\n  renewBefore: 30d\n"
        << "---\nkind: DeploymentTarget\nname: svc-" << i << "\nspec:\n  source: Certificate/svc-"
        << i << "\n  files:\n    - {path: out/svc-" << i
        << "/cert.pem, content: certificate, mode: \"0644\"}\n"
        << "    - {path: out/svc-" << i << "/key.pem, content: privateKey}\n"
        << "    - {path: out/svc-" << i << "/fullchain.pem, content: fullchain, mode: \"0644\"}\n";
  }
  return 0;
}
