#include "providers/pki/pki_spec.h"

#include "util/error.h"

namespace keyform::pki {

std::string string_field(const nlohmann::json& spec, const char* key, std::string fallback) {
  auto it = spec.find(key);
  return it == spec.end() ? fallback : it->get<std::string>();
}

Seconds duration_field(const nlohmann::json& spec, const char* key, Seconds fallback) {
  auto it = spec.find(key);
  if (it == spec.end()) return fallback;
  auto d = parse_duration(it->get<std::string>());
  if (!d) throw Error(std::string(key) + ": \"" + it->get<std::string>() + "\" is not a duration");
  return *d;
}

x509::KeyAlgorithm key_algorithm_field(const nlohmann::json& spec) {
  std::string name = string_field(spec, "keyAlgorithm", "EC_prime256v1");
  auto a = x509::key_algorithm_from_name(name);
  if (!a) throw Error("keyAlgorithm: unknown algorithm \"" + name + "\"");
  return *a;
}

x509::Subject subject_field(const nlohmann::json& subject, const std::string& common_name) {
  x509::Subject s;
  if (subject.is_object()) {
    s.common_name = string_field(subject, "commonName", "");
    s.organization = string_field(subject, "organization", "");
    s.organizational_unit = string_field(subject, "organizationalUnit", "");
    s.country = string_field(subject, "country", "");
    s.state = string_field(subject, "state", "");
    s.locality = string_field(subject, "locality", "");
  }
  if (!common_name.empty()) s.common_name = common_name;
  return s;
}

RenewalPolicy renewal_policy_field(const nlohmann::json& spec) {
  RenewalPolicy p;
  if (spec.contains("renewBefore")) p.renew_before = duration_field(spec, "renewBefore", 0);
  if (spec.contains("renewBeforePercentage"))
    p.renew_before_percentage = spec["renewBeforePercentage"].get<int>();
  return p;
}

nlohmann::json certificate_attributes(X509* cert) {
  UnixTime nb = x509::not_before(cert), na = x509::not_after(cert);
  return {{"certificate_pem", x509::certificate_to_pem(cert)},
          {"serial", x509::serial_hex(cert)},
          {"fingerprint_sha256", x509::fingerprint_sha256(cert)},
          {"public_key_sha256", x509::public_key_sha256(cert)},
          {"not_before", format_rfc3339(nb)},
          {"not_after", format_rfc3339(na)},
          {"not_before_unix", nb},
          {"not_after_unix", na}};
}

std::optional<std::string> recorded_renewal_reason(const nlohmann::json& attributes,
                                                   const RenewalPolicy& policy, UnixTime now) {
  if (!attributes.contains("not_before_unix") || !attributes.contains("not_after_unix"))
    return std::nullopt;
  return renewal_reason(attributes["not_before_unix"].get<UnixTime>(),
                        attributes["not_after_unix"].get<UnixTime>(), policy, now);
}

}  // namespace keyform::pki
