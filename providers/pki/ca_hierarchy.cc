#include "providers/pki/ca_hierarchy.h"

#include "providers/pki/ca_import.h"
#include "providers/pki/ca_lifecycle.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/templates.h"

namespace keyform::pki {

std::string parent_address(const nlohmann::json& spec) {
  auto it = spec.find("parent");
  if (it == spec.end() || !it->is_string()) return "";
  return "CertificateAuthority/" + it->get<std::string>();
}

bool has_external_parent(const nlohmann::json& spec) {
  auto it = spec.find("parent");
  return it != spec.end() && it->is_object() && it->value("external", false);
}

bool is_imported(const nlohmann::json& spec) { return spec.contains("import"); }

bool is_pending(const RecordedResource& ca) {
  const std::string status = ca.attributes.value("status", std::string(kStatusActive));
  // In its deletion window, a CA keeps the status it had before.
  if (status == kPendingDeletion)
    return ca.attributes.value("status_before_deletion", "") == kStatusPending;
  return status == kStatusPending;
}

std::optional<int> spec_path_length(const nlohmann::json& spec) {
  std::optional<int> own;
  if (spec.contains("pathLength")) own = spec["pathLength"].get<int>();
  return ca_path_length(string_field(spec, "template", ""), own).value;
}

void validate_hierarchy(const Resource& r, const Config& c, const DiagnosticSink& error) {
  const nlohmann::json& spec = r.spec;
  const bool subordinate = string_field(spec, "type", "root") == "subordinate";
  if (!subordinate && spec.contains("parent"))
    error("/spec/parent", "a root CA has no parent: remove parent, or set type: subordinate");
  if (subordinate && !spec.contains("parent"))
    error("/spec/type",
          "type: subordinate needs parent: the name of a CertificateAuthority, or "
          "{external: true} for a parent outside keyform");
  if (!subordinate && spec.contains("template"))
    error("/spec/template", "template " + string_field(spec, "template", "") +
                                " is for subordinate CAs (a root's path length is pathLength)");
  std::optional<int> own;
  if (spec.contains("pathLength")) own = spec["pathLength"].get<int>();
  CaPathLength path = ca_path_length(string_field(spec, "template", ""), own);
  if (!path.problem.empty()) error("/spec/pathLength", path.problem);

  if (!is_imported(spec) && !spec.contains("subject"))
    error("/spec", "subject is required (only an imported CA takes its subject from its file)");
  if (is_imported(spec)) validate_import(r, c, error);
  if (is_imported(spec) && !parent_address(spec).empty())
    error("/spec/import",
          "an imported CA cannot have a parent in the configuration (keyform would re-sign "
          "it); use type: root, or parent: {external: true} with import.chain");

  const std::string parent = parent_address(spec);
  const Resource* p = parent.empty() ? nullptr : c.find(parent);
  if (!p) return;  // an unknown reference is the loader's error
  std::optional<int> limit = spec_path_length(p->spec);
  if (limit && *limit == 0)
    error("/spec/parent", parent + " has path length 0: no CA may sit below it");
  else if (limit && path.value && *path.value > *limit - 1)
    error(spec.contains("pathLength") ? "/spec/pathLength" : "/spec/template",
          "path length " + std::to_string(*path.value) + " is more than the parent " + parent +
              " allows below it (" + std::to_string(*limit - 1) + ")");
}

std::optional<std::string> pending_issuer_reason(const DiffInput& in, const std::string& ca) {
  const Resource* desired = in.config.find(ca);
  const Action* planned = in.planned ? in.planned(ca) : nullptr;
  const bool new_key =
      planned && (planned->type == ActionType::kCreate || planned->type == ActionType::kReplace);
  if (new_key && desired && has_external_parent(desired->spec) && !is_imported(desired->spec))
    return "waits for " + ca +
           ": its new key needs a certificate from its external parent (keyform ca csr " + ca +
           ", then keyform ca install " + ca + " --certificate FILE)";
  const RecordedResource* recorded = in.state.find(ca);
  if (!new_key && recorded && is_pending(*recorded))
    return "waits for " + ca + ": PENDING_CERTIFICATE until keyform ca install " + ca;
  if (planned && planned->waiting)
    return "waits for " + ca + ", which " +
           (planned->reasons.empty() ? std::string("waits") : planned->reasons.front());
  return std::nullopt;
}

std::optional<std::string> parent_replaced_reason(const DiffInput& in) {
  const std::string parent = parent_address(in.desired.spec);
  if (parent.empty() || !in.recorded) return std::nullopt;
  const Action* planned = in.planned ? in.planned(parent) : nullptr;
  if (planned && (planned->type == ActionType::kReplace || planned->type == ActionType::kCreate))
    return "parent " + parent + " is replaced";
  const RecordedResource* p = in.state.find(parent);
  if (p && !is_pending(*p) &&
      p->attributes.value("public_key_sha256", "") !=
          in.recorded->attributes.value("issuer_public_key_sha256", ""))
    return "parent " + parent + " was replaced since this CA was signed";
  return std::nullopt;
}

std::optional<Change> operator_action_needed(const DiffInput& in) {
  const std::string address = in.desired.address();
  if (is_pending(*in.recorded))
    return no_op_because(
        {"PENDING_CERTIFICATE: get its CSR signed (keyform ca csr " + address +
         "), then keyform ca install " + address + " --certificate FILE [--chain FILE]"},
        true);
  const bool external = has_external_parent(in.desired.spec);
  if (!external && !is_imported(in.desired.spec)) return std::nullopt;
  auto due = recorded_renewal_reason(in.recorded->attributes, RenewalPolicy{}, in.now);
  if (!due) return std::nullopt;
  return no_op_because(
      {*due + (external ? ": its parent is outside keyform: sign its CSR again (keyform "
                          "ca csr " +
                              address + ") and keyform ca install " + address
                        : ": it is imported: put the renewed certificate and key files "
                          "in place and keyform apply --replace " +
                              address)},
      false);
}

Change no_op_because(std::vector<std::string> reasons, bool waiting) {
  Change c;
  c.reasons = std::move(reasons);
  c.waiting = waiting;
  return c;
}

void mark_pending_outputs(const DiffInput& in, Change& c) {
  if (c.type != ActionType::kCreate && c.type != ActionType::kReplace) return;
  if (!has_external_parent(in.desired.spec) || is_imported(in.desired.spec)) return;
  const std::string address = in.desired.address();
  c.pending_outputs = true;
  c.pending_reason = "its new key needs a certificate from its external parent (keyform ca csr " +
                     address + ", then keyform ca install " + address + " --certificate FILE)";
}

}  // namespace keyform::pki
