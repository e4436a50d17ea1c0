#include "providers/pki/templates.h"

namespace keyform::pki {

namespace {

constexpr std::string_view kCaUsage = "Digital Signature, Certificate Sign, CRL Sign";

}  // namespace

const std::vector<TemplateProfile>& template_profiles() {
  // keyEncipherment is added to the TLS templates for an RSA key (RSA key
  // transport); the table shows the EC/ED25519 form.
  static const std::vector<TemplateProfile> profiles = {
      {"EndEntityCertificate", false, std::nullopt, "Digital Signature",
       "TLS Web Server Authentication, TLS Web Client Authentication"},
      {"EndEntityServerAuthCertificate", false, std::nullopt, "Digital Signature",
       "TLS Web Server Authentication"},
      {"EndEntityClientAuthCertificate", false, std::nullopt, "Digital Signature",
       "TLS Web Client Authentication"},
      {"CodeSigningCertificate", false, std::nullopt, "Digital Signature", "Code Signing"},
      {"OCSPSigningCertificate", false, std::nullopt, "Digital Signature", "OCSP Signing"},
      {"SubordinateCACertificate_PathLen0", true, 0, kCaUsage, ""},
      {"SubordinateCACertificate_PathLen1", true, 1, kCaUsage, ""},
      {"SubordinateCACertificate_PathLen2", true, 2, kCaUsage, ""},
      {"SubordinateCACertificate_PathLen3", true, 3, kCaUsage, ""},
  };
  return profiles;
}

const TemplateProfile* find_template(std::string_view name) {
  for (const TemplateProfile& p : template_profiles())
    if (p.name == name) return &p;
  return nullptr;
}

CaPathLength ca_path_length(const std::string& template_name, std::optional<int> path_length) {
  if (template_name.empty()) return {path_length, ""};
  const TemplateProfile* t = find_template(template_name);
  if (!t || !t->ca) return {path_length, template_name + " is not a CA template"};
  if (path_length && path_length != t->path_length)
    return {t->path_length, "pathLength " + std::to_string(*path_length) +
                                " contradicts template " + template_name + " (path length " +
                                std::to_string(*t->path_length) + "); set one of them"};
  return {t->path_length, ""};
}

}  // namespace keyform::pki
