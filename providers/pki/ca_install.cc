#include "providers/pki/ca_install.h"

#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/x509_ca.h"
#include "util/error.h"

namespace keyform::pki {

RecordedResource install_ca_certificate(const RecordedResource& ca, std::string_view cert_pem,
                                        std::string_view chain_pem, UnixTime now) {
  const std::string address = ca.address();
  if (ca.kind != "CertificateAuthority") throw Error(address + " is not a CertificateAuthority");
  if (!ca.attributes.value("external_parent", false))
    throw Error(address +
                " does not have an external parent: keyform signs its certificate itself");
  auto certs = x509::certificates_from_pem(cert_pem, "--certificate");
  X509* cert = certs[0].get();
  if (x509::public_key_sha256(cert) != ca.attributes.value("public_key_sha256", ""))
    throw Error("--certificate is not for " + address +
                "'s key: its public key differs from the CSR's (keyform ca csr " + address + ")");
  if (std::string problem = x509::ca_certificate_problem(cert); !problem.empty())
    throw Error("--certificate cannot activate " + address + ": " + problem);
  if (x509::not_after(cert) <= now)
    throw Error("--certificate expired on " + format_rfc3339(x509::not_after(cert)));
  if (x509::not_before(cert) > now)
    throw Error("--certificate is not valid before " + format_rfc3339(x509::not_before(cert)));
  if (!chain_pem.empty()) {
    auto chain = x509::certificates_from_pem(chain_pem, "--chain");
    if (!x509::signed_by(cert, chain[0].get()))
      throw Error("--certificate is not signed by the first certificate of --chain (" +
                  x509::subject_line(chain[0].get()) + ")");
    for (size_t i = 0; i < chain.size(); ++i)
      if (std::string problem = x509::ca_certificate_problem(chain[i].get()); !problem.empty())
        throw Error("--chain certificate " + std::to_string(i + 1) + " (" +
                    x509::subject_line(chain[i].get()) + "): " + problem);
  }

  RecordedResource out = ca;
  nlohmann::json attributes = certificate_attributes(cert);
  // The key is the same, so what it revoked stays revoked and its CRL keeps
  // its number; a deletion window keeps running.
  for (const char* keep :
       {"key_algorithm", "enabled", "csr_pem", "external_parent", "previous_certificates",
        "revoked_certificates", "crl", "crl_distribution_point", "deletion_window", "deletion_date",
        "deletion_date_unix"})
    if (ca.attributes.contains(keep)) attributes[keep] = ca.attributes[keep];
  attributes["subject"] = x509::subject_line(cert);
  attributes["status"] = kStatusActive;
  if (ca.attributes.value("status", "") == kPendingDeletion) {
    attributes["status_before_deletion"] = kStatusActive;
    attributes["status"] = kPendingDeletion;
  }
  attributes["external_chain_pem"] = std::string(chain_pem);
  attributes["installed_at"] = format_rfc3339(now);
  out.attributes = std::move(attributes);
  out.updated_at = now;
  return out;
}

}  // namespace keyform::pki
