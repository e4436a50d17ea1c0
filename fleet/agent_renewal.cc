#include "fleet/agent_renewal.h"

#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "fleet/identity.h"
#include "providers/pki/x509.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::fleet {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// 0..999, stable for a serial (FNV-1a).
uint32_t serial_jitter(const std::string& serial) {
  uint32_t h = 2166136261u;
  for (char c : serial) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h % 1000;
}

bool needs_new_enrolment(const std::string& code) {
  return code == "must_reenroll" || code == "agent_revoked" || code == "unknown_agent";
}

Error enrol_again(const fs::path& dir, const std::string& refusal) {
  return Error("serve refused this identity: " + refusal +
               "\nThis host must enrol again: where the state is, run keyform agent token "
               "--principal P --host H; here, remove " +
               identity_dir(dir).string() +
               " and run keyform agent enroll --server URL --token-file FILE --server-ca FILE "
               "--dir " +
               dir.string());
}

std::string skew_text(Seconds skew) {
  return format_duration(std::llabs(skew)) + (skew > 0 ? " ahead of" : " behind");
}

// Makes the new pair and installs it; false (said on err) when serve refused.
bool renew(const fs::path& dir, const AgentCredentials& id, const std::string& why,
           std::ostream& out, std::ostream& err) {
  const fs::path at = identity_dir(dir);
  x509::CertPtr current = x509::certificate_from_pem(id.tls.certificate_pem);
  const std::optional<AgentIdentity> who = certificate_identity(current.get());
  if (!who) throw Error(at.string() + "/agent.crt carries no keyform:// identity");
  x509::PkeyPtr key = x509::generate_key(x509::KeyAlgorithm::kEcP256);
  // The new key is durable before serve learns of it.
  write_file_durable(at / "agent-next.key",
                     x509::private_key_to_pem(key.get(), x509::KeyEncoding::kPkcs8).view(), 0600);
  x509::CsrPtr csr = make_agent_csr(key.get(), "keyform-agent");
  const std::string body = json{{"csr", x509::csr_to_pem(csr.get())}}.dump();
  HttpsResult r;
  try {
    r = agent_request(id, "POST", "/v1/renew", body);
  } catch (const Error&) {
    fs::remove(at / "agent-next.key");
    throw;
  }
  if (r.status != 200) {
    fs::remove(at / "agent-next.key");
    if (needs_new_enrolment(refusal_code(r))) throw enrol_again(dir, refusal_of(r));
    err << "keyform agent: renewing the identity (" << why << ") was refused: " << refusal_of(r)
        << "; the next pass tries again\n";
    return false;
  }
  const json j = json::parse(r.body);
  const std::string cert_pem = j.value("certificate", "");
  x509::CertPtr cert = x509::certificate_from_pem(cert_pem);
  std::optional<AgentIdentity> renewed = certificate_identity(cert.get());
  if (!x509::key_matches_certificate(key.get(), cert.get()) || !renewed ||
      renewed->uri() != who->uri()) {
    fs::remove(at / "agent-next.key");
    throw Error("serve's renewed certificate is not this agent's identity for its new key");
  }
  write_file_durable(at / "agent-next.crt", cert_pem, 0644);
  fs::rename(at / "agent-next.key", at / "agent.key");
  fs::rename(at / "agent-next.crt", at / "agent.crt");
  json info = json::parse(read_file(at / "agent.json"));
  info["serial"] = x509::serial_hex(cert.get());
  info["not_after"] = j.value("not_after", "");
  write_file_durable(at / "agent.json", info.dump(2) + "\n", 0644);
  const RenewalSchedule next = renewal_schedule(cert.get());
  out << "Renewed the identity (" << why << "): serial " << x509::serial_hex(current.get())
      << " replaced by " << x509::serial_hex(cert.get()) << ", valid until "
      << j.value("not_after", "") << "; next renewal at " << format_rfc3339(next.renew_at) << ".\n";
  return true;
}

// Renews when the schedule says the identity is due at `now`.
bool due(const fs::path& dir, const AgentCredentials& id, UnixTime now, std::ostream& out,
         std::ostream& err);

}  // namespace

RenewalSchedule renewal_schedule(X509* cert) {
  RenewalSchedule s;
  const UnixTime not_before = x509::not_before(cert);
  s.not_after = x509::not_after(cert);
  s.issued = s.not_after - not_before > 2 * kIdentityBackdate ? not_before + kIdentityBackdate
                                                              : not_before;
  const double lifetime = static_cast<double>(s.not_after - s.issued);
  const double fraction =
      2.0 / 3.0 - (2.0 / 3.0 - 0.6) * serial_jitter(x509::serial_hex(cert)) / 1000.0;
  s.renew_at = s.issued + static_cast<Seconds>(lifetime * fraction);
  return s;
}

UnixTime agent_clock() {
  if (const char* v = std::getenv("KEYFORM_NOW"); v && *v) {
    if (std::optional<UnixTime> t = parse_rfc3339(v)) return *t;
    throw Error(
        std::string("KEYFORM_NOW: expected an RFC 3339 time like 2027-06-01T00:00:00Z (got \"") +
        v + "\")");
  }
  return SystemClock().now();
}

bool renew_identity_if_due(const fs::path& dir, const AgentCredentials& id,
                           const HttpsResult& listed, std::ostream& out, std::ostream& err) {
  const std::string code = listed.status == 403 ? refusal_code(listed) : "";
  if (code == "must_reenroll") throw enrol_again(dir, refusal_of(listed));
  if (code == "identity_expired")
    return renew(dir, id, "serve says it expired; renewing within the grace", out, err);
  // A renewal serve recorded whose answer never came: serve lets the
  // certificate it replaced renew once more (identity_renewal.h), and
  // answers must_reenroll otherwise.
  if (code == "superseded_identity")
    return renew(dir, id, "serve names a newer certificate of this host, never received", out, err);
  // A 304 (a long-poll that saw no change) carries no server_time: the
  // agent judges by its clock, corrected as serve's last answer said.
  static std::atomic<Seconds> serve_offset{0};
  if (listed.status == 304) return due(dir, id, agent_clock() + serve_offset.load(), out, err);
  if (listed.status != 200) return false;
  UnixTime now = agent_clock();
  std::optional<UnixTime> server_time;
  try {
    server_time = parse_rfc3339(json::parse(listed.body).value("server_time", ""));
  } catch (const json::exception&) {
  }
  serve_offset = 0;
  if (server_time && std::llabs(now - *server_time) > kClockMargin) {
    err << "keyform agent: warning: this host's clock (" << format_rfc3339(now) << ") is "
        << skew_text(now - *server_time) << " serve's (" << format_rfc3339(*server_time)
        << "), more than the " << format_duration(kClockMargin)
        << " certificates allow; judging the renewal by serve's clock\n";
    serve_offset = *server_time - now;
    now = *server_time;
  }
  return due(dir, id, now, out, err);
}

namespace {

bool due(const fs::path& dir, const AgentCredentials& id, UnixTime now, std::ostream& out,
         std::ostream& err) {
  x509::CertPtr cert = x509::certificate_from_pem(id.tls.certificate_pem);
  const RenewalSchedule s = renewal_schedule(cert.get());
  if (now < s.renew_at) return false;
  return renew(dir, id, "due at " + format_rfc3339(s.renew_at) + ", two thirds of its lifetime",
               out, err);
}

}  // namespace

}  // namespace keyform::fleet
