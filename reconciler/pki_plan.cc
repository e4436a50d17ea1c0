#include "reconciler/pki_plan.h"

#include <map>
#include <set>

#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/crl.h"
#include "providers/pki/revocation_list.h"

namespace keyform {

namespace {

constexpr std::string_view kCa = "CertificateAuthority";

bool is_kind(const std::string& address, std::string_view kind) {
  return address.size() > kind.size() && address.compare(0, kind.size(), kind) == 0 &&
         address[kind.size()] == '/';
}

bool issues(ActionType t) {
  return t == ActionType::kCreate || t == ActionType::kReplace || t == ActionType::kRenew;
}

// What one CA revokes in this plan, and why.
struct CaRevocations {
  std::vector<Revocation> revocations;
  std::vector<std::string> reasons;
  std::set<std::string> serials;
  std::set<std::string> after;  // the replacements it follows
};

class RevocationPlanner {
 public:
  RevocationPlanner(const State& state, const Plan& plan) : state_(state), plan_(plan) {}

  // A certificate's own action: revokes its recorded serial when the CA
  // that issued it still holds that key.
  void certificate_action(const Action& a) {
    if (a.type != ActionType::kReplace && a.type != ActionType::kDelete) return;
    const RecordedResource* cert = state_.find(a.address);
    if (!cert) return;
    const std::string serial = cert->attributes.value("serial", "");
    const std::string ca = cert->attributes.value("issuer", "");
    if (serial.empty() || !usable(ca, cert->attributes.value("issuer_public_key_sha256", "")))
      return;
    const bool replaced = a.type == ActionType::kReplace;
    const auto reason = replaced ? x509::RevocationReason::kSuperseded
                                 : x509::RevocationReason::kCessationOfOperation;
    add(ca, {a.address, serial, std::string(x509::revocation_reason_name(reason))},
        replaced ? "replaced" : "deleted");
    if (replaced) by_ca_[ca].after.insert(a.address);
  }

  // Serials a replacement left pending in an earlier run.
  void pending(const RecordedResource& cert) {
    auto it = cert.attributes.find("revocation_pending");
    if (it == cert.attributes.end() || !it->is_array() || it->empty()) return;
    const std::string ca = cert.attributes.value("issuer", "");
    for (const auto& p : *it) {
      if (!usable(ca, p.value("issuer_public_key_sha256", ""))) continue;
      add(ca, {cert.address(), p.value("serial", ""), p.value("reason", "superseded")},
          "replaced in an earlier run");
    }
  }

  std::map<std::string, CaRevocations>& result() { return by_ca_; }

 private:
  // The CA is recorded with that key, and keeps it through this plan.
  bool usable(const std::string& ca, const std::string& key) {
    const RecordedResource* rec = state_.find(ca);
    if (!rec || key.empty() || rec->attributes.value("public_key_sha256", "") != key) return false;
    const Action* own = plan_.find(ca);
    return !own || (own->type != ActionType::kReplace && own->type != ActionType::kDelete &&
                    own->type != ActionType::kCreate);
  }

  void add(const std::string& ca, Revocation r, const char* why) {
    auto known = known_.find(ca);
    if (known == known_.end())
      known = known_.emplace(ca, pki::revoked_serials(state_.find(ca)->attributes)).first;
    CaRevocations& out = by_ca_[ca];
    if (known->second.count(r.serial) || !out.serials.insert(r.serial).second) return;
    out.reasons.push_back(r.address + " serial " + r.serial + ": " + r.reason + " (" + why + ")");
    out.revocations.push_back(std::move(r));
  }

  const State& state_;
  const Plan& plan_;
  std::map<std::string, std::set<std::string>> known_;  // CA -> serials it has revoked
  std::map<std::string, CaRevocations> by_ca_;
};

// The CA that signs a resource's certificate: a Certificate's issuer, a
// subordinate CA's parent (unless external); "" for anything else.
std::string issuer_of(const Resource& r) {
  const char* field = r.kind == "Certificate" ? "issuer" : r.kind == kCa ? "parent" : nullptr;
  if (!field) return "";
  auto it = r.spec.find(field);
  if (it == r.spec.end() || !it->is_string()) return "";
  return std::string(kCa) + "/" + it->get<std::string>();
}

bool has_issuer(std::string_view kind) { return kind == "Certificate" || kind == kCa; }

// Issuing under a disabled or pending-deletion CA cannot succeed: say so
// at plan time, where the certificate is written.
void check_issuers(const Config& config, const State& state, Plan& plan) {
  for (const Action& a : plan.actions) {
    if (!issues(a.type)) continue;
    const Resource* cert = config.find(a.address);
    if (!cert) continue;
    const std::string issuer = issuer_of(*cert);
    if (issuer.empty()) continue;
    const Resource* ca = config.find(issuer);
    const RecordedResource* recorded = state.find(issuer);
    std::string why;
    if (ca && !ca->spec.value("enabled", true))
      why = "has enabled: false (" + ca->pos.str() + "); set enabled: true to issue";
    else if (!ca && recorded && pki::pending_deletion(recorded->attributes))
      why = "is " + pki::pending_deletion_reason(recorded->attributes) +
            "; put it back in the configuration to issue";
    if (!why.empty())
      plan.errors.push_back(cert->pos.str() + ": " + a.address + " needs a certificate (" +
                            std::string(action_name(a.type)) + ") but its issuer " + issuer + " " +
                            why);
  }
}

}  // namespace

Change deletion_change(const RecordedResource& recorded, UnixTime now) {
  if (recorded.kind != kCa) return {ActionType::kDelete, {"not in the configuration"}};
  const nlohmann::json& attrs = recorded.attributes;
  if (!pki::pending_deletion(attrs)) {
    const Seconds window = attrs.value("deletion_window", pki::kDefaultDeletionWindow);
    return {ActionType::kUpdate,
            {"not in the configuration: scheduled for deletion, " +
                 std::string(pki::kPendingDeletion) + " until " + format_rfc3339(now + window) +
                 " (deletionWindow " + format_duration(window) + ")",
             "put it back in the configuration before then to restore it"}};
  }
  const UnixTime date = attrs.value("deletion_date_unix", UnixTime{0});
  if (now < date)
    return {
        ActionType::kNoOp,
        {pki::pending_deletion_reason(attrs) + "; put it back in the configuration to restore it"}};
  return {ActionType::kDelete,
          {"not in the configuration, and its deletion window ended " + format_rfc3339(date)}};
}

std::string ca_deletion_error(const std::string& ca, const std::vector<std::string>& live) {
  std::string list;
  for (const std::string& l : live) list += (list.empty() ? "" : ", ") + l;
  return ca + " cannot be deleted: it still has live certificates (" + list +
         "); delete them or give them another issuer first, or put " + ca +
         " back in the configuration";
}

namespace {

// The config actions (plan.actions[0, end)) that consume one of `replaced`,
// directly or through other planned actions, in plan order. Config actions
// are in dependency order, so one pass finds the transitive ones.
std::vector<std::string> planned_consumers(const Plan& plan, size_t end,
                                           const std::set<std::string>& replaced) {
  std::set<std::string> reached(replaced.begin(), replaced.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < end; ++i) {
    const Action& a = plan.actions[i];
    if (a.type == ActionType::kNoOp || reached.count(a.address)) continue;
    for (const std::string& dep : a.after)
      if (reached.count(dep)) {
        reached.insert(a.address);
        out.push_back(a.address);
        break;
      }
  }
  return out;
}

// The CertificateAuthority whose CRL a DeploymentTarget deploys; "" for any
// other resource.
std::string crl_source(const Resource* r) {
  if (!r || r->kind != "DeploymentTarget") return "";
  const std::string source = r->spec.value("source", "");
  if (!source.starts_with("CertificateAuthority/")) return "";
  for (const auto& f : r->spec.value("files", nlohmann::json::array()))
    if (f.value("content", "") == "crl") return source;
  return "";
}

}  // namespace

void plan_pki(const Config& config, const State& state, bool targeted, Plan& plan) {
  check_issuers(config, state, plan);

  RevocationPlanner planner(state, plan);
  for (const Action& a : plan.actions)
    if (is_kind(a.address, "Certificate") || is_kind(a.address, kCa)) planner.certificate_action(a);
  for (const auto& [address, rec] : state.resources)
    if (has_issuer(rec.kind) && (!targeted || plan.find(address))) planner.pending(rec);

  // Config actions come first, then deletions: the revoke actions go between.
  size_t at = 0;
  while (at < plan.actions.size() && config.find(plan.actions[at].address)) ++at;
  std::vector<Action> revokes;
  std::map<std::string, std::string> revoked_by;  // certificate -> CA
  for (auto& [ca, r] : planner.result()) {
    if (r.revocations.empty()) continue;
    Action a;
    a.address = ca;
    a.type = ActionType::kRevoke;
    a.id = plan_action_id(plan.lineage, plan.serial, ca, a.type);
    a.reasons = std::move(r.reasons);
    a.after.push_back(ca);
    a.after.insert(a.after.end(), r.after.begin(), r.after.end());
    // The old serial stays valid until every planned consumer of its
    // replacement (a Secret bundling it, the targets deploying it) is done:
    // a server whose deploy fails keeps serving a certificate not yet revoked.
    std::vector<std::string> consumers = planned_consumers(plan, at, r.after);
    if (!consumers.empty()) {
      std::string list;
      for (const std::string& c : consumers) list += (list.empty() ? "" : ", ") + c;
      a.reasons.push_back("after " + list +
                          " (the replacement is in place first; if one fails, the old serial "
                          "stays unrevoked until the next apply)");
      a.after.insert(a.after.end(), consumers.begin(), consumers.end());
    }
    for (const Revocation& rev : r.revocations) revoked_by[rev.address] = ca;
    a.revocations = std::move(r.revocations);
    revokes.push_back(std::move(a));
  }
  // A target deploying a revoking CA's CRL follows the revoke, so that the
  // CRL it writes is the new one.
  std::set<std::string> revoking;
  for (const Action& a : revokes) revoking.insert(a.address);
  std::vector<Action> followers;
  for (size_t i = 0; i < at;) {
    Action& a = plan.actions[i];
    const std::string ca = crl_source(config.find(a.address));
    if (ca.empty() || !revoking.count(ca)) {
      ++i;
      continue;
    }
    // An update writes no files: it deploys too, keeping its reasons.
    if (a.type == ActionType::kNoOp || a.type == ActionType::kUpdate) {
      if (a.type == ActionType::kNoOp) a.reasons.clear();
      a.type = ActionType::kDeploy;
      a.waiting = false;
      a.reasons.push_back("source " + ca + " revokes certificates (its CRL changes)");
      a.id = plan_action_id(plan.lineage, plan.serial, a.address, a.type);
    }
    a.after.push_back(ca);
    followers.push_back(std::move(a));
    plan.actions.erase(plan.actions.begin() + static_cast<std::ptrdiff_t>(i));
    --at;
  }
  revokes.insert(revokes.end(), std::make_move_iterator(followers.begin()),
                 std::make_move_iterator(followers.end()));
  // A deleted certificate's entry goes once its CA holds the revocation.
  for (Action& a : plan.actions)
    if (auto it = revoked_by.find(a.address);
        it != revoked_by.end() && a.type == ActionType::kDelete)
      a.after.push_back(it->second);
  plan.actions.insert(plan.actions.begin() + static_cast<std::ptrdiff_t>(at),
                      std::make_move_iterator(revokes.begin()),
                      std::make_move_iterator(revokes.end()));
}

}  // namespace keyform
