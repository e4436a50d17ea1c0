#pragma once
// The certificate templates by name, and what each puts in a certificate.
// End-entity templates are for Certificate.template; the
// SubordinateCACertificate_PathLenN templates for a subordinate
// CertificateAuthority's template, where they set the path length.
// docs/pki.md tabulates the same facts; the e2e test checks them with
// `openssl x509 -text`.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyform::pki {

struct TemplateProfile {
  std::string_view name;
  bool ca = false;
  std::optional<int> path_length;  // CA templates only
  // As `openssl x509 -text` prints them; all critical but the EKU.
  std::string_view key_usage;
  std::string_view extended_key_usage;  // "" for none
};

const std::vector<TemplateProfile>& template_profiles();
const TemplateProfile* find_template(std::string_view name);

// The path length a subordinate CA's spec asks for: its template's or its
// pathLength (validation rejects both when they disagree); nullopt:
// unlimited.
struct CaPathLength {
  std::optional<int> value;
  std::string problem;  // "" when the spec is consistent
};
CaPathLength ca_path_length(const std::string& template_name, std::optional<int> path_length);

}  // namespace keyform::pki
