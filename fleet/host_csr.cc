#include "fleet/host_csr.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <vector>

#include "providers/pki/pki_spec.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform::fleet {

namespace {

using BioPtr = std::unique_ptr<BIO, x509::Deleter<BIO_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, x509::Deleter<GENERAL_NAMES_free>>;
using ExtensionsPtr =
    std::unique_ptr<STACK_OF(X509_EXTENSION),
                    decltype([](auto* s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); })>;

std::string asn1_text(const ASN1_STRING* s) {
  return s ? std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)))
           : std::string();
}

std::string ip_name(const unsigned char* bytes, size_t n) { return "IP:" + hex_encode(bytes, n); }

// The subject's entries as "CN=web", sorted.
std::vector<std::string> subject_entries(X509_NAME* name) {
  std::vector<std::string> out;
  for (int i = 0; name && i < X509_NAME_entry_count(name); ++i) {
    X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
    unsigned char* utf8 = nullptr;
    const int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    std::string value = len >= 0 ? std::string(reinterpret_cast<char*>(utf8), len) : "?";
    OPENSSL_free(utf8);
    out.push_back(std::string(nid == NID_undef ? "?" : OBJ_nid2sn(nid)) + "=" + value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> spec_subject(const nlohmann::json& spec) {
  const x509::Subject s = pki::subject_field(spec.value("subject", nlohmann::json::object()),
                                             pki::string_field(spec, "commonName", ""));
  const std::pair<const char*, const std::string*> fields[] = {{"C", &s.country},
                                                               {"ST", &s.state},
                                                               {"L", &s.locality},
                                                               {"O", &s.organization},
                                                               {"OU", &s.organizational_unit},
                                                               {"CN", &s.common_name}};
  std::vector<std::string> out;
  for (const auto& [field, value] : fields)
    if (!value->empty()) out.push_back(std::string(field) + "=" + *value);
  std::sort(out.begin(), out.end());
  return out;
}

// The request's subjectAltNames as "DNS:web", "IP:7f000001", "URI:...",
// "email:...", sorted.
std::vector<std::string> requested_names(X509_REQ* csr) {
  std::vector<std::string> out;
  ExtensionsPtr exts(X509_REQ_get_extensions(csr));
  for (int i = 0; exts && i < sk_X509_EXTENSION_num(exts.get()); ++i) {
    X509_EXTENSION* ext = sk_X509_EXTENSION_value(exts.get(), i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(ext)) != NID_subject_alt_name) continue;
    NamesPtr names(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext)));
    if (!names) {
      out.push_back("(an unreadable subjectAltName)");
      continue;
    }
    for (int j = 0; j < sk_GENERAL_NAME_num(names.get()); ++j) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), j);
      switch (n->type) {
        case GEN_DNS:
          out.push_back("DNS:" + asn1_text(n->d.dNSName));
          break;
        case GEN_URI:
          out.push_back("URI:" + asn1_text(n->d.uniformResourceIdentifier));
          break;
        case GEN_EMAIL:
          out.push_back("email:" + asn1_text(n->d.rfc822Name));
          break;
        case GEN_IPADD:
          out.push_back(ip_name(ASN1_STRING_get0_data(n->d.iPAddress),
                                static_cast<size_t>(ASN1_STRING_length(n->d.iPAddress))));
          break;
        default:
          out.push_back("(a name of type " + std::to_string(n->type) + ")");
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> spec_names(const nlohmann::json& spec) {
  std::vector<std::string> out;
  auto list = [&](const char* key) { return spec.value(key, std::vector<std::string>{}); };
  for (const std::string& n : list("dnsNames")) out.push_back("DNS:" + n);
  for (const std::string& n : list("uris")) out.push_back("URI:" + n);
  for (const std::string& n : list("emails")) out.push_back("email:" + n);
  for (const std::string& ip : list("ipAddresses")) {
    ASN1_OCTET_STRING* octets = a2i_IPADDRESS(ip.c_str());
    out.push_back(octets ? ip_name(ASN1_STRING_get0_data(octets),
                                   static_cast<size_t>(ASN1_STRING_length(octets)))
                         : "IP:" + ip);
    ASN1_OCTET_STRING_free(octets);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s.substr(0, 200);
  return out.empty() ? "none" : out;
}

}  // namespace

x509::CsrPtr make_host_csr(EVP_PKEY* key) {
  x509::CsrPtr csr(X509_REQ_new());
  const EVP_MD* md = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (!csr || X509_REQ_set_version(csr.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(csr.get(), key) != 1 || X509_REQ_sign(csr.get(), key, md) <= 0)
    throw Error("cannot make the host's certificate signing request");
  return csr;
}

x509::CsrPtr parse_signed_csr(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  x509::CsrPtr csr(bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!csr) throw Error("csr: expected a PEM certificate signing request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(csr.get());
  if (!key || X509_REQ_verify(csr.get(), key) != 1)
    throw Error("csr: its signature does not verify with its own key");
  return csr;
}

std::string key_algorithm_name(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_ED25519:
      return "ED25519";
    case EVP_PKEY_RSA:
      return "RSA_" + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) != 1) return "";
      return "EC_" + std::string(group, len);
    }
    default:
      return "";
  }
}

std::optional<CsrRefusal> check_host_csr(X509_REQ* csr, const Resource& certificate,
                                         const AgentIdentity& who) {
  const nlohmann::json& spec = certificate.spec;
  const std::string want = pki::string_field(spec, "keyAlgorithm", "EC_prime256v1");
  const std::string got = key_algorithm_name(X509_REQ_get0_pubkey(csr));
  if (got != want)
    return CsrRefusal{400, "wrong_key_algorithm",
                      "the request's key is " +
                          (got.empty() ? std::string("of another kind") : got) + "; " +
                          certificate.address() + " says keyAlgorithm " + want};
  const std::vector<std::string> names = requested_names(csr);
  for (const std::string& n : names) {
    if (!n.starts_with("URI:keyform://")) continue;
    std::string other;
    try {
      AgentIdentity asked = parse_identity_uri(std::string_view(n).substr(4));
      if (asked.uri() != who.uri()) other = asked.principal() + " on host " + asked.host;
    } catch (const Error&) {
      other = "a malformed keyform:// identity";
    }
    if (!other.empty())
      return CsrRefusal{403, "csr_identity_mismatch",
                        "the request asks for " + other + "; this agent is " + who.principal() +
                            " on host " + who.host + ", and a certificate's names come from " +
                            certificate.address() + ", never from the request"};
  }
  const std::vector<std::string> subject = subject_entries(X509_REQ_get_subject_name(csr));
  if (!subject.empty() && subject != spec_subject(spec))
    return CsrRefusal{400, "csr_names_mismatch",
                      "the request's subject (" + joined(subject) + ") is not " +
                          certificate.address() + "'s (" + joined(spec_subject(spec)) +
                          "); leave it empty: the names come from the configuration"};
  if (!names.empty() && names != spec_names(spec))
    return CsrRefusal{400, "csr_names_mismatch",
                      "the request asks for the names " + joined(names) + "; " +
                          certificate.address() + " says " + joined(spec_names(spec)) +
                          "; leave them out: the names come from the configuration"};
  return std::nullopt;
}

}  // namespace keyform::fleet
