#include "fleet/host_key_agent.h"

#include <openssl/crypto.h>

#include "fleet/host_csr.h"
#include "providers/deploy/deploy_contents.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/x509.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

fs::path keys_dir(const fs::path& dir) { return dir / "keys"; }

// "DeploymentTarget/web-tls" -> "web-tls": a resource name, safe as a file name.
std::string target_name(const json& deployment) {
  std::string t = deployment.value("target", "");
  const size_t slash = t.find('/');
  std::string name = slash == std::string::npos ? t : t.substr(slash + 1);
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
    throw Error("the server named no valid target (\"" + t.substr(0, 80) + "\")");
  return name;
}

struct Held {
  x509::PkeyPtr key;
  x509::CertPtr cert;
  std::string cert_pem, chain_pem, version;
};

Held load_held(const fs::path& dir, const std::string& name) {
  Held h;
  const fs::path at = keys_dir(dir);
  if (fs::exists(at / (name + ".key")))
    h.key = x509::private_key_from_pem(read_secret_file(at / (name + ".key")));
  if (fs::exists(at / (name + ".crt"))) {
    h.cert_pem = read_file(at / (name + ".crt"));
    h.cert = x509::certificate_from_pem(h.cert_pem);
  }
  if (fs::exists(at / (name + ".chain.pem"))) h.chain_pem = read_file(at / (name + ".chain.pem"));
  if (fs::exists(at / (name + ".json"))) {
    try {
      h.version = json::parse(read_file(at / (name + ".json"))).value("version", "");
    } catch (const json::exception&) {
      h.version.clear();  // asks again
    }
  }
  return h;
}

x509::KeyAlgorithm wanted_algorithm(const json& key) {
  const std::string name = key.value("key_algorithm", "EC_prime256v1");
  const auto a = x509::key_algorithm_from_name(name);
  if (!a)
    throw Error("the server asks for an unknown key algorithm \"" + name.substr(0, 40) + "\"");
  return *a;
}

x509::KeyEncoding wanted_encoding(const json& key) {
  const auto e = x509::key_encoding_from_name(key.value("encoding", "PKCS8"));
  if (!e) throw Error("the server asks for an unknown key encoding");
  return *e;
}

SecretBytes concat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  SecretBytes out(n);
  size_t at = 0;
  for (std::string_view p : parts) {
    std::copy(p.begin(), p.end(), out.data() + at);
    at += p.size();
  }
  return out;
}

SecretBytes render(const DeployedFile& f, const SecretBytes& key_pem, const Held& h) {
  SecretBytes pem;
  if (f.content == "certificate")
    pem = SecretBytes(h.cert_pem);
  else if (f.content == "chain")
    pem = SecretBytes(h.chain_pem);
  else if (f.content == "fullchain")
    pem = SecretBytes(h.cert_pem + h.chain_pem);
  else if (f.content == "privateKey")
    pem = key_pem;
  else if (f.content == "combined")
    return concat({key_pem.view(), h.cert_pem, h.chain_pem});
  else
    throw Error(f.path + ": " + f.content + " cannot be written from a key made on the host");
  if (f.format == "der") return pem_to_der(pem.view(), f.content + " of " + f.path);
  return pem;
}

}  // namespace

bool is_host_key_deployment(const json& deployment) {
  return deployment.contains("private_key") &&
         deployment["private_key"].value("generated_on", "") == "host";
}

std::string host_certificate_due(const fs::path& dir, const json& deployment, UnixTime now) {
  const Held h = load_held(dir, target_name(deployment));
  if (!h.key || !h.cert) return "no certificate for this host's key yet";
  if (!x509::key_matches_certificate(h.key.get(), h.cert.get()))
    return "the held certificate is not for the held key";
  if (h.version != deployment.value("version", ""))
    return "the certificate's spec or issuer changed (" + deployment.value("version", "") + ")";
  const RenewalPolicy policy =
      pki::renewal_policy_field(deployment.value("renewal", json::object()));
  if (auto why = renewal_reason(x509::not_before(h.cert.get()), x509::not_after(h.cert.get()),
                                policy, now))
    return "renewal due: " + *why;
  return "";
}

HostKeyPull pull_host_key_deployment(const fs::path& dir, const json& deployment,
                                     const RequestCertificate& request, UnixTime now,
                                     std::ostream& out) {
  const std::string name = target_name(deployment);
  const json& key_spec = deployment.at("private_key");
  const x509::KeyAlgorithm algorithm = wanted_algorithm(key_spec);
  const x509::KeyEncoding encoding = wanted_encoding(key_spec);
  const std::string why = host_certificate_due(dir, deployment, now);
  Held h = load_held(dir, name);
  if (!why.empty()) {
    // The key is kept only when the policy says so and it is of the
    // algorithm asked for; else a new one, written once its certificate came.
    const bool keep = h.key && key_spec.value("rotation_policy", "Always") == "Never" &&
                      key_algorithm_name(h.key.get()) == key_spec.value("key_algorithm", "");
    x509::PkeyPtr key = keep ? std::move(h.key) : x509::generate_key(algorithm);
    x509::CsrPtr csr = make_host_csr(key.get());
    const json answer = json::parse(request(json{{"csr", x509::csr_to_pem(csr.get())}}.dump()));
    const std::string cert_pem = answer.value("certificate", "");
    x509::CertPtr cert = x509::certificate_from_pem(cert_pem);
    if (!x509::key_matches_certificate(key.get(), cert.get()))
      throw Error("the server's certificate is not for this host's key");
    const fs::path at = keys_dir(dir);
    fs::create_directories(at);
    fs::permissions(at, fs::perms::owner_all, fs::perm_options::replace);
    // The key first: a crash leaves a key without its certificate, which
    // the next pass notices and asks again for.
    if (!keep)
      write_file_durable(at / (name + ".key"), x509::private_key_to_pem(key.get(), encoding).view(),
                         0600);
    write_file_durable(at / (name + ".crt"), cert_pem, 0644);
    write_file_durable(at / (name + ".chain.pem"), answer.value("chain", ""), 0644);
    write_file_durable(at / (name + ".json"),
                       json{{"version", answer.value("version", "")},
                            {"serial", x509::serial_hex(cert.get())},
                            {"not_after", answer.value("not_after", "")}}
                               .dump(2) +
                           "\n",
                       0644);
    out << deployment.value("target", "") << ": new certificate serial "
        << x509::serial_hex(cert.get()) << " for " << (keep ? "the kept" : "a new")
        << " key made on this host (" << why << ")\n";
    h = load_held(dir, name);
    if (std::string still = host_certificate_due(dir, deployment, now); !still.empty())
      out << "Warning: the new certificate is due already by this host's clock (" << still
          << "): is the clock ahead of the server's?\n";
  }
  // The key as configured, whichever encoding it was stored in.
  const SecretBytes key_pem = x509::private_key_to_pem(h.key.get(), encoding);
  HostKeyPull pull;
  pull.meta = {{"target", deployment.value("target", "")},
               {"source", deployment.value("source", "")},
               {"version", x509::fingerprint_sha256(h.cert.get())},
               {"serial", x509::serial_hex(h.cert.get())},
               {"fingerprint", x509::fingerprint_sha256(h.cert.get())}};
  for (const char* k : {"reload", "verify"})
    if (deployment.contains(k)) pull.meta[k] = deployment[k];
  for (const json& f : deployment.value("files", json::array())) {
    DeployedFile d;
    d.path = f.at("path").get<std::string>();
    d.content = f.value("content", "");
    d.format = f.value("format", "pem");
    d.mode = f.value("mode", 0600u);
    d.owner = f.value("owner", "");
    d.group = f.value("group", "");
    SecretBytes content = render(d, key_pem, h);
    pull.files.push_back({std::move(d), std::move(content)});
  }
  return pull;
}

}  // namespace keyform::fleet
