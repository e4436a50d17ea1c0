#include "providers/pki/ca_import.h"

#include <openssl/core_names.h>

#include "providers/pki/pki_spec.h"
#include "providers/pki/x509_ca.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::pki {

std::string key_algorithm_name(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
      return "ED25519";
    case EVP_PKEY_RSA: {
      int bits = EVP_PKEY_get_bits(key);
      return bits == 2048 || bits == 3072 || bits == 4096 ? "RSA_" + std::to_string(bits) : "";
    }
    case EVP_PKEY_EC: {
      char curve[64] = {0};
      size_t n = 0;
      if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                         &n) != 1)
        return "";
      std::string c(curve, n);
      if (c == "prime256v1" || c == "P-256") return "EC_prime256v1";
      if (c == "secp384r1" || c == "P-384") return "EC_secp384r1";
      return "";
    }
    default:
      return "";
  }
}

void validate_import(const Resource& ca, const Config& config, const DiagnosticSink& error) {
  const nlohmann::json& import = ca.spec.at("import");
  const std::string cert_file = string_field(import, "certificate", "");
  std::error_code ec;
  if (!std::filesystem::exists(config_path(config, cert_file), ec)) return;
  try {
    auto certs = x509::certificates_from_pem(read_file(config_path(config, cert_file)), cert_file);
    if (std::string p = x509::ca_certificate_problem(certs[0].get()); !p.empty())
      error("/spec/import/certificate", cert_file + " cannot be imported as a CA: " + p);
    else if (string_field(ca.spec, "type", "root") == "root" && !x509::self_signed(certs[0].get()))
      error("/spec/import/certificate",
            cert_file +
                " is not self-signed: import it as type: subordinate with parent: "
                "{external: true} and import.chain");
  } catch (const Error& e) {
    error("/spec/import/certificate", e.what());
  }
}

ImportedCa read_imported_ca(const Config& config, const Resource& ca, UnixTime now) {
  const nlohmann::json& import = ca.spec.at("import");
  const std::string cert_file = string_field(import, "certificate", "");
  const std::string key_file = string_field(import, "privateKey", "");
  const std::string chain_file = string_field(import, "chain", "");
  const std::string where = ca.address() + " import";
  auto read = [&](const std::string& file) {
    try {
      return read_file(config_path(config, file));
    } catch (const std::exception& e) {
      throw Error(where + ": cannot read " + file + ": " + e.what());
    }
  };

  ImportedCa out;
  out.cert = std::move(x509::certificates_from_pem(read(cert_file), where + " " + cert_file)[0]);
  SecretBytes key_pem;
  try {
    key_pem = read_secret_file(config_path(config, key_file));
  } catch (const std::exception& e) {
    throw Error(where + ": cannot read " + key_file + ": " + e.what());
  }
  try {
    out.key = x509::private_key_from_pem(key_pem);
  } catch (const Error&) {
    throw Error(where + ": " + key_file +
                " is not an unencrypted PEM private key (PKCS#8 or traditional); decrypt an "
                "encrypted key first (openssl pkey -in KEY -out PLAIN)");
  }
  key_pem.cleanse();

  out.key_algorithm = key_algorithm_name(out.key.get());
  if (out.key_algorithm.empty())
    throw Error(where + ": the key in " + key_file +
                " is not one of EC_prime256v1, EC_secp384r1, RSA_2048, RSA_3072, RSA_4096, "
                "ED25519");
  if (ca.spec.contains("keyAlgorithm") && ca.spec["keyAlgorithm"] != out.key_algorithm)
    throw Error(where + ": the key in " + key_file + " is " + out.key_algorithm +
                ", but keyAlgorithm says " + ca.spec["keyAlgorithm"].get<std::string>());
  if (!x509::key_matches_certificate(out.key.get(), out.cert.get()))
    throw Error(where + ": the key in " + key_file + " does not belong to the certificate in " +
                cert_file);
  if (std::string p = x509::ca_certificate_problem(out.cert.get()); !p.empty())
    throw Error(where + ": " + cert_file + " cannot be imported as a CA: " + p);
  if (x509::not_after(out.cert.get()) <= now)
    throw Error(where + ": " + cert_file + " expired on " +
                format_rfc3339(x509::not_after(out.cert.get())));

  const bool root = string_field(ca.spec, "type", "root") == "root";
  if (root && !x509::self_signed(out.cert.get()))
    throw Error(where + ": " + cert_file +
                " is not self-signed: import it as type: subordinate with parent: "
                "{external: true} and import.chain");
  if (!root) {
    if (chain_file.empty())
      throw Error(where + ": a subordinate CA needs import.chain (the certificates above it)");
    std::string chain = read(chain_file);
    auto certs = x509::certificates_from_pem(chain, where + " " + chain_file);
    if (!x509::signed_by(out.cert.get(), certs[0].get()))
      throw Error(where + ": " + cert_file + " is not signed by the first certificate in " +
                  chain_file);
    out.chain_pem = std::move(chain);
  }
  return out;
}

}  // namespace keyform::pki
