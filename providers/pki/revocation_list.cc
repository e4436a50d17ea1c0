#include "providers/pki/revocation_list.h"

#include "providers/pki/crl.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/san_syntax.h"
#include "util/error.h"

namespace keyform::pki {

CrlSettings crl_settings(const nlohmann::json& ca_spec) {
  CrlSettings s;
  auto it = ca_spec.find("crl");
  if (it == ca_spec.end() || !it->is_object()) return s;
  s.enabled = it->value("enabled", false);
  s.validity = duration_field(*it, "validity", kDefaultCrlValidity);
  s.distribution_point = string_field(*it, "distributionPoint", "");
  return s;
}

void validate_crl_settings(const nlohmann::json& ca_spec, const DiagnosticSink& error) {
  auto it = ca_spec.find("crl");
  if (it == ca_spec.end() || !it->is_object()) return;
  if (it->contains("validity")) {
    const std::string v = (*it)["validity"].get<std::string>();
    auto d = parse_duration(v);
    if (!d || *d < 86400)
      error("/spec/crl/validity", "crl.validity " + v +
                                      " is too short: a CRL must stay valid at least 1d, so "
                                      "relying parties can fetch it before it expires");
  }
  const std::string dp = string_field(*it, "distributionPoint", "");
  if (it->contains("distributionPoint") && !valid_uri(dp))
    error("/spec/crl/distributionPoint",
          "crl.distributionPoint \"" + dp +
              "\" is not a URI (e.g. \"http://crl.example.com/root.crl\")");
}

std::set<std::string> revoked_serials(const nlohmann::json& ca_attributes) {
  std::set<std::string> out;
  auto it = ca_attributes.find("revoked_certificates");
  if (it == ca_attributes.end()) return out;
  for (const auto& r : *it) out.insert(r.value("serial", ""));
  return out;
}

size_t fold_revocations(nlohmann::json& ca_attributes, const std::vector<Revocation>& revocations,
                        UnixTime now) {
  std::set<std::string> known = revoked_serials(ca_attributes);
  nlohmann::json& list = ca_attributes["revoked_certificates"];
  if (!list.is_array()) list = nlohmann::json::array();
  size_t added = 0;
  for (const Revocation& r : revocations) {
    if (!known.insert(r.serial).second) continue;
    list.push_back(
        {{"serial", r.serial}, {"reason", r.reason}, {"revoked_at", now}, {"address", r.address}});
    ++added;
  }
  return added;
}

void regenerate_crl(nlohmann::json& ca_attributes, EVP_PKEY* ca_key, Seconds validity,
                    UnixTime now) {
  x509::CertPtr cert = x509::certificate_from_pem(ca_attributes.value("certificate_pem", ""));
  x509::CrlRequest req;
  req.issuer_cert = cert.get();
  req.issuer_key = ca_key;
  uint64_t last = 0;
  if (auto it = ca_attributes.find("crl"); it != ca_attributes.end() && it->is_object())
    last = it->value("number", uint64_t{0});
  req.number = last + 1;
  req.this_update = now;
  req.next_update = now + validity;
  for (const auto& r : ca_attributes.value("revoked_certificates", nlohmann::json::array())) {
    auto reason = x509::revocation_reason_from_name(r.value("reason", "unspecified"));
    req.revoked.push_back({r.value("serial", ""), r.value("revoked_at", UnixTime{0}),
                           reason.value_or(x509::RevocationReason::kUnspecified)});
  }
  x509::CrlPtr crl = x509::make_crl(req);
  ca_attributes["crl"] = {{"pem", x509::crl_to_pem(crl.get())},
                          {"number", req.number},
                          {"this_update", req.this_update},
                          {"next_update", req.next_update},
                          {"revoked", req.revoked.size()}};
}

void apply_crl_settings(nlohmann::json& ca_attributes, EVP_PKEY* ca_key,
                        const CrlSettings& settings, UnixTime now) {
  if (!settings.enabled) {
    ca_attributes.erase("crl");
    ca_attributes.erase("crl_distribution_point");
    return;
  }
  if (settings.distribution_point.empty())
    ca_attributes.erase("crl_distribution_point");
  else
    ca_attributes["crl_distribution_point"] = settings.distribution_point;
  regenerate_crl(ca_attributes, ca_key, settings.validity, now);
}

std::optional<std::string> crl_refresh_reason(const nlohmann::json& ca_attributes, UnixTime now) {
  auto it = ca_attributes.find("crl");
  if (it == ca_attributes.end() || !it->is_object()) return std::nullopt;
  const UnixTime this_update = it->value("this_update", UnixTime{0});
  const UnixTime next_update = it->value("next_update", UnixTime{0});
  const Seconds validity = next_update - this_update;
  if (now < next_update - validity / 3) return std::nullopt;
  const std::string when = " (nextUpdate " + format_rfc3339(next_update) +
                           ", refreshed with a third of its " + format_duration(validity) +
                           " validity left)";
  if (now >= next_update)
    return "CRL expired " + format_duration(now - next_update) + " ago" + when;
  return "CRL expires in " + format_duration(next_update - now) + when;
}

std::vector<Revocation> pending_revocations(const std::string& address,
                                            const nlohmann::json& cert_attributes,
                                            const nlohmann::json& issuer_attributes) {
  std::vector<Revocation> out;
  auto it = cert_attributes.find("revocation_pending");
  if (it == cert_attributes.end() || !it->is_array() || it->empty()) return out;
  const std::string issuer_key = issuer_attributes.value("public_key_sha256", "");
  const std::set<std::string> known = revoked_serials(issuer_attributes);
  for (const auto& p : *it) {
    if (p.value("issuer_public_key_sha256", "") != issuer_key) continue;  // an older CA key
    const std::string serial = p.value("serial", "");
    if (!known.count(serial)) out.push_back({address, serial, p.value("reason", "superseded")});
  }
  return out;
}

nlohmann::json carry_pending_revocations(const nlohmann::json& recorded_cert,
                                         const nlohmann::json& issuer_attributes, bool supersede) {
  const std::string issuer_key = issuer_attributes.value("public_key_sha256", "");
  nlohmann::json out = nlohmann::json::array();
  for (const Revocation& r : pending_revocations("", recorded_cert, issuer_attributes))
    out.push_back(
        {{"serial", r.serial}, {"reason", r.reason}, {"issuer_public_key_sha256", issuer_key}});
  const std::string serial = recorded_cert.value("serial", "");
  if (supersede && !serial.empty() &&
      recorded_cert.value("issuer_public_key_sha256", "") == issuer_key &&
      !revoked_serials(issuer_attributes).count(serial))
    out.push_back({{"serial", serial},
                   {"reason", x509::revocation_reason_name(x509::RevocationReason::kSuperseded)},
                   {"issuer_public_key_sha256", issuer_key}});
  return out;
}

}  // namespace keyform::pki
