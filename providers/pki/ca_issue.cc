#include "providers/pki/ca_issue.h"

#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/ca_import.h"
#include "providers/pki/name_policy.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/x509_ca.h"
#include "util/error.h"

namespace keyform::pki {

namespace {

// The parent's signing hash: its signingAlgorithm's, else SHA-384 for a
// P-384 key and SHA-256 otherwise.
x509::Hash parent_hash(const Resource* parent) {
  if (parent && parent->spec.contains("signingAlgorithm"))
    if (auto s =
            x509::signing_algorithm_from_name(parent->spec["signingAlgorithm"].get<std::string>()))
      return s->hash;
  if (parent && string_field(parent->spec, "keyAlgorithm", "") == "EC_secp384r1")
    return x509::Hash::kSha384;
  return x509::Hash::kSha256;
}

// A subordinate's path length: its own, else one less than its parent's
// (so a chain never breaks a limit set above it), else unlimited.
std::optional<int> subordinate_path_length(const nlohmann::json& spec, X509* parent_cert) {
  std::optional<int> own = spec_path_length(spec);
  if (own) return own;
  std::optional<long> limit = x509::path_length(parent_cert);
  if (limit && *limit > 0) return static_cast<int>(*limit - 1);
  return std::nullopt;
}

x509::CertPtr sign_by_parent(ApplyContext& ctx, const Resource& r, EVP_PKEY* key,
                             Seconds default_validity, nlohmann::json& attributes) {
  const std::string parent = parent_address(r.spec);
  auto it = ctx.deps.find(parent);
  if (it == ctx.deps.end() || !it->second)
    throw Error(parent + " is not in the state yet; apply it first");
  const RecordedResource& p = *it->second;
  if (is_pending(p))
    throw Error(parent +
                " is PENDING_CERTIFICATE: install its certificate first (keyform ca "
                "install " +
                parent + ")");
  if (!p.attributes.value("enabled", true)) throw Error(parent + " is disabled: it cannot issue");
  x509::CertPtr parent_cert = x509::certificate_from_pem(p.attributes.value("certificate_pem", ""));
  x509::PkeyPtr parent_key = x509::private_key_from_pem(
      ctx.keyring.open(object_id(p, "privateKey"), private_key_context(p)));
  x509::SubordinateCaRequest req;
  req.subject = subject_field(r.spec.value("subject", nlohmann::json::object()), "");
  req.public_key = key;
  req.hash = parent_hash(ctx.config.find(parent));
  req.path_length = subordinate_path_length(r.spec, parent_cert.get());
  // A subordinate never outlives its parent: its notAfter is capped there.
  Seconds lifetime = duration_field(r.spec, "validity", default_validity);
  lifetime = std::min<Seconds>(lifetime, x509::not_after(parent_cert.get()) - ctx.now);
  req.validity = {ctx.now, lifetime};
  req.crl_distribution_point = p.attributes.value("crl_distribution_point", "");
  req.name_constraints = name_constraints_of(r.spec);
  attributes["issuer"] = parent;
  attributes["issuer_fingerprint"] = p.attributes.value("fingerprint_sha256", "");
  attributes["issuer_public_key_sha256"] = p.attributes.value("public_key_sha256", "");
  return x509::issue_subordinate_ca(req, parent_cert.get(), parent_key.get());
}

}  // namespace

CaMaterial make_ca_material(ApplyContext& ctx, x509::Hash self_signing_hash,
                            Seconds default_validity) {
  const Resource& r = *ctx.desired;
  const ActionType type = ctx.action.type;
  CaMaterial m;
  nlohmann::json extra = nlohmann::json::object();
  extra["status"] = kStatusActive;

  if (is_imported(r.spec) && type != ActionType::kRenew) {
    ImportedCa imported = read_imported_ca(ctx.config, r, ctx.now);
    m.key = std::move(imported.key);
    m.cert = std::move(imported.cert);
    extra["imported"] = true;
    extra["key_algorithm"] = imported.key_algorithm;
    if (!imported.chain_pem.empty()) extra["external_chain_pem"] = imported.chain_pem;
  } else {
    if (type == ActionType::kRenew) {
      m.new_key = false;
      m.key = x509::private_key_from_pem(ctx.keyring.open(object_id(*ctx.recorded, "privateKey"),
                                                          private_key_context(*ctx.recorded)));
    } else {
      m.key = x509::generate_key(key_algorithm_field(r.spec));
    }
    if (has_external_parent(r.spec)) {
      x509::CsrPtr csr =
          x509::make_ca_csr(subject_field(r.spec.value("subject", nlohmann::json::object()), ""),
                            m.key.get(), self_signing_hash, spec_path_length(r.spec));
      extra["status"] = kStatusPending;
      extra["external_parent"] = true;
      extra["csr_pem"] = x509::csr_to_pem(csr.get());
    } else if (!parent_address(r.spec).empty()) {
      m.cert = sign_by_parent(ctx, r, m.key.get(), default_validity, extra);
    } else {
      x509::RootCaRequest req;
      req.subject = subject_field(r.spec.value("subject", nlohmann::json::object()), "");
      req.key = m.key.get();
      req.hash = self_signing_hash;
      if (r.spec.contains("pathLength")) req.path_length = r.spec["pathLength"].get<int>();
      req.validity = {ctx.now, duration_field(r.spec, "validity", default_validity)};
      req.name_constraints = name_constraints_of(r.spec);
      m.cert = x509::make_root_ca(req);
    }
  }

  if (m.cert) {
    m.attributes = certificate_attributes(m.cert.get());
    m.attributes["subject"] = x509::subject_line(m.cert.get());
  } else {
    m.attributes = {{"public_key_sha256", x509::public_key_sha256(m.key.get())}};
  }
  m.attributes.update(extra);
  return m;
}

}  // namespace keyform::pki
