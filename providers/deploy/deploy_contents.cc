#include "providers/deploy/deploy_contents.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>

#include "providers/pki/pkcs12.h"
#include "providers/provider.h"
#include "providers/secrets/secret_read.h"
#include "util/error.h"

namespace keyform {

namespace {

struct ContentRule {
  const char* name;
  std::vector<std::string> sources;
  bool der;     // format: der is meaningful
  bool secret;  // holds private material
};

const std::vector<ContentRule>& rules() {
  static const std::vector<ContentRule> table = {
      {"certificate", {"Certificate", "CertificateAuthority"}, true, false},
      {"chain", {"Certificate", "CertificateAuthority"}, false, false},
      {"fullchain", {"Certificate", "CertificateAuthority"}, false, false},
      {"privateKey", {"Certificate"}, true, true},
      {"combined", {"Certificate"}, false, true},
      {"pkcs12", {"Certificate"}, false, true},
      {"crl", {"CertificateAuthority"}, true, false},
      {"bundle", {"TrustBundle"}, false, false},
      {"value", {"Secret"}, false, true},
  };
  return table;
}

const ContentRule* rule_for(const std::string& content) {
  std::string name = content.starts_with("field:") ? "value" : content;
  for (const ContentRule& r : rules())
    if (name == r.name) return &r;
  return nullptr;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i)
    out += (i ? (i + 1 == v.size() ? " or " : ", ") : "") + v[i];
  return out;
}

std::string certificate_pem(const RecordedResource& r) {
  std::string pem = r.attributes.value("certificate_pem", "");
  if (pem.empty()) throw Error(r.address() + " has no certificate recorded");
  return pem;
}

std::string chain_pem(const ContentInputs& in) {
  std::string out;
  for (const RecordedResource* issuer : in.issuers) out += certificate_pem(*issuer);
  // Above a CA signed outside keyform (the source itself when it is that
  // CA): the chain installed with it.
  const RecordedResource& top = in.issuers.empty() ? in.source : *in.issuers.back();
  out += top.attributes.value("external_chain_pem", "");
  return out;
}

SecretBytes private_key(const ContentInputs& in) {
  if (!in.keyring) throw Error("the private key of " + in.source.address() + " needs a root key");
  return in.keyring->open(object_id(in.source, "privateKey"), private_key_context(in.source));
}

std::string crl_pem(const RecordedResource& ca) {
  const nlohmann::json crl = ca.attributes.value("crl", nlohmann::json::object());
  std::string pem = crl.is_object() ? crl.value("pem", "") : "";
  if (pem.empty())
    throw Error(ca.address() + " has no CRL recorded (is crl.enabled set on the CA?)");
  return pem;
}

SecretBytes concat(const SecretBytes& a, std::string_view b) {
  SecretBytes out(a.size() + b.size());
  std::copy(a.data(), a.data() + a.size(), out.data());
  std::copy(b.begin(), b.end(), out.data() + a.size());
  return out;
}

}  // namespace

std::optional<ContentProblem> check_content(const std::string& source_kind, const DeployedFile& f) {
  const ContentRule* rule = rule_for(f.content);
  if (!rule) return ContentProblem{"content", "unknown content \"" + f.content + "\""};
  if (f.content == "field:")
    return ContentProblem{"content", "field: needs the field's name (field:password)"};
  if (std::find(rule->sources.begin(), rule->sources.end(), source_kind) == rule->sources.end()) {
    std::string msg =
        f.content + " is deployed from a " + join(rule->sources) + ", not a " + source_kind;
    if (f.content == "privateKey" && source_kind == "CertificateAuthority")
      msg = "privateKey can only be deployed from a Certificate; a CA's key never leaves the store";
    return ContentProblem{"content", msg};
  }
  if (f.format == "der" && !rule->der)
    return ContentProblem{"format",
                          f.content + " is only written as PEM" +
                              (f.content == "pkcs12" ? std::string(" (PKCS#12 is binary already)")
                                                     : std::string(" (DER holds one object)"))};
  if (f.content == "pkcs12" && f.password_secret.empty())
    return ContentProblem{"content", "pkcs12 needs passwordFrom: {secret: NAME, field: FIELD}"};
  if (!f.password_secret.empty() && f.content != "pkcs12")
    return ContentProblem{"passwordFrom", "passwordFrom is only used by pkcs12"};
  return std::nullopt;
}

bool is_secret_content(const std::string& content) {
  const ContentRule* rule = rule_for(content);
  return !rule || rule->secret;
}

SecretBytes pem_to_der(std::string_view pem, const std::string& what) {
  std::unique_ptr<BIO, decltype(&::BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), ::BIO_free);
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    ERR_clear_error();
    throw Error(what + " is not PEM");
  }
  SecretBytes out(data, static_cast<size_t>(len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_clear_free(data, static_cast<size_t>(len));
  return out;
}

SecretBytes render_content(const DeployedFile& f, const ContentInputs& in) {
  const RecordedResource& src = in.source;
  SecretBytes pem;
  if (f.content == "certificate") {
    pem = SecretBytes(certificate_pem(src));
  } else if (f.content == "chain") {
    pem = SecretBytes(chain_pem(in));
  } else if (f.content == "fullchain") {
    pem = SecretBytes(certificate_pem(src) + chain_pem(in));
  } else if (f.content == "privateKey") {
    pem = private_key(in);
  } else if (f.content == "combined") {
    // Key first: HAProxy and most "combined PEM" readers expect it there.
    return concat(private_key(in), certificate_pem(src) + chain_pem(in));
  } else if (f.content == "pkcs12") {
    if (!in.password) throw Error("no password source for the pkcs12 file " + f.path);
    SecretBytes key = private_key(in);
    SecretBytes password = in.password(f);
    return encode_pkcs12({key, certificate_pem(src), chain_pem(in), password, src.address()});
  } else if (f.content == "crl") {
    pem = SecretBytes(crl_pem(src));
  } else if (f.content == "bundle") {
    std::string bundle = src.attributes.value("pem", "");
    if (bundle.empty()) throw Error(src.address() + " has no bundle recorded");
    pem = SecretBytes(bundle);
  } else if (f.content == "value" || f.content.starts_with("field:")) {
    // The CURRENT version, through the one read path every Secret reader takes.
    if (!in.keyring) throw Error("the value of " + src.address() + " needs a root key");
    secrets::VersionSelector which;
    if (f.content != "value") which.field = f.content.substr(6);
    return secrets::read_secret_version(src, *in.keyring, which);
  } else {
    throw Error(f.content + " cannot be deployed by this build");
  }
  if (f.format == "der") return pem_to_der(pem.view(), f.content + " of " + src.address());
  return pem;
}

}  // namespace keyform
