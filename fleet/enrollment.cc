#include "fleet/enrollment.h"

#include <algorithm>

#include "fleet/host_csr.h"
#include "providers/pki/ca_hierarchy.h"
#include "providers/provider.h"
#include "state/fleet_records.h"
#include "util/error.h"

namespace keyform::fleet {

x509::CsrPtr make_agent_csr(EVP_PKEY* key, const std::string& common_name) {
  x509::CsrPtr csr(X509_REQ_new());
  X509_NAME* name = csr ? X509_REQ_get_subject_name(csr.get()) : nullptr;
  if (!name || X509_REQ_set_version(csr.get(), X509_REQ_VERSION_1) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_REQ_set_pubkey(csr.get(), key) != 1 || X509_REQ_sign(csr.get(), key, EVP_sha256()) <= 0)
    throw Error("cannot make the agent's certificate signing request");
  return csr;
}

x509::CsrPtr parse_agent_csr(std::string_view pem) {
  x509::CsrPtr csr = parse_signed_csr(pem);
  if (EVP_PKEY_get_bits(X509_REQ_get0_pubkey(csr.get())) < 256)
    throw Error("csr: the key is too small");
  return csr;
}

nlohmann::json identity_answer(const AgentIdentity& who, const IssuedIdentity& issued,
                               UnixTime now) {
  return {{"identity", who.uri()},
          {"principal", who.principal()},
          {"host", who.host},
          {"serial", issued.agent.attributes.value("serial", "")},
          {"not_after", issued.agent.attributes.value("not_after", "")},
          {"certificate", issued.certificate_pem},
          {"ca", issued.ca_pem},
          {"server_time", format_rfc3339(now)}};
}

IssuedIdentity issue_agent_identity(const Config& config, const State& state, Keyring& keyring,
                                    const AgentIdentity& who, X509_REQ* csr, UnixTime now) {
  const std::string& ca_address = config.project.fleet.agent_ca;
  if (ca_address.empty())
    throw Error("the project names no agent CA (keyform.yaml spec.fleet.agentCA)");
  const RecordedResource* ca = state.find(ca_address);
  if (!ca) throw Error(ca_address + " (spec.fleet.agentCA) is not in the state; apply it first");
  if (pki::is_pending(*ca)) throw Error(ca_address + " is PENDING_CERTIFICATE: it cannot issue");
  if (!ca->attributes.value("enabled", true)) throw Error(ca_address + " is disabled");
  x509::CertPtr ca_cert = x509::certificate_from_pem(ca->attributes.value("certificate_pem", ""));
  x509::PkeyPtr ca_key = x509::private_key_from_pem(
      keyring.open(object_id(*ca, "privateKey"), private_key_context(*ca)));

  Seconds lifetime = parse_duration(config.project.fleet.agent_validity).value_or(30 * 86400);
  x509::LeafRequest req;
  req.tmpl = x509::Template::kEndEntityClientAuth;
  req.subject.common_name = who.host;
  req.uris = {who.uri()};
  req.public_key = X509_REQ_get0_pubkey(csr);
  // Backdated; never outliving the CA.
  const UnixTime start = now - kIdentityBackdate;
  req.validity = {start, std::min<Seconds>(lifetime + kIdentityBackdate,
                                           x509::not_after(ca_cert.get()) - start)};
  req.crl_distribution_point = ca->attributes.value("crl_distribution_point", "");
  x509::CertPtr cert = x509::issue_certificate(req, ca_cert.get(), ca_key.get());

  IssuedIdentity out;
  out.certificate_pem = x509::certificate_to_pem(cert.get());
  out.ca_pem = ca->attributes.value("certificate_pem", "");
  out.agent.kind = std::string(kFleetAgent);
  out.agent.name = who.host;
  out.agent.attributes = {{"principal", who.principal()},
                          {"host", who.host},
                          {"identity", who.uri()},
                          {"issuer", ca_address},
                          {"serial", x509::serial_hex(cert.get())},
                          {"fingerprint_sha256", x509::fingerprint_sha256(cert.get())},
                          {"not_before", format_rfc3339(x509::not_before(cert.get()))},
                          {"not_after", format_rfc3339(x509::not_after(cert.get()))},
                          {"enrolled", format_rfc3339(now)}};
  out.agent.updated_at = now;
  return out;
}

}  // namespace keyform::fleet
