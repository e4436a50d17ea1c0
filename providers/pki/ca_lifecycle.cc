#include "providers/pki/ca_lifecycle.h"

#include "providers/pki/pki_spec.h"
#include "providers/pki/revocation_list.h"
#include "util/error.h"

namespace keyform::pki {

x509::PkeyPtr open_ca_key(Keyring& keyring, const RecordedResource& ca) {
  return x509::private_key_from_pem(
      keyring.open(object_id(ca, "privateKey"), private_key_context(ca)));
}

void follow_crl_settings(RecordedResource& ca, Keyring& keyring, const nlohmann::json& spec,
                         UnixTime now) {
  const CrlSettings crl = crl_settings(spec);
  x509::PkeyPtr key = crl.enabled ? open_ca_key(keyring, ca) : nullptr;
  apply_crl_settings(ca.attributes, key.get(), crl, now);
}

RecordedResource apply_revocations(ApplyContext& ctx) {
  if (!ctx.recorded)
    throw Error(ctx.action.address + " is not in the state: it has nothing to revoke");
  RecordedResource rec = *ctx.recorded;
  fold_revocations(rec.attributes, ctx.action.revocations, ctx.now);
  // The CRL keeps the settings in the configuration, or, for a CA no longer
  // there, the validity its last CRL had.
  if (ctx.desired) {
    follow_crl_settings(rec, ctx.keyring, ctx.desired->spec, ctx.now);
  } else if (auto crl = rec.attributes.find("crl"); crl != rec.attributes.end()) {
    const Seconds validity =
        crl->value("next_update", UnixTime{0}) - crl->value("this_update", UnixTime{0});
    regenerate_crl(rec.attributes, open_ca_key(ctx.keyring, rec).get(),
                   validity > 0 ? validity : kDefaultCrlValidity, ctx.now);
  }
  return rec;
}

RecordedResource schedule_deletion(ApplyContext& ctx) {
  if (!ctx.recorded) throw Error(ctx.action.address + " is not in the state: nothing to delete");
  RecordedResource rec = *ctx.recorded;
  if (pending_deletion(rec.attributes)) return rec;  // a retry: keep the first date
  const Seconds window = rec.attributes.value("deletion_window", kDefaultDeletionWindow);
  const UnixTime date = ctx.now + window;
  // The status it had (ACTIVE, PENDING_CERTIFICATE) comes back on restore.
  if (rec.attributes.contains("status"))
    rec.attributes["status_before_deletion"] = rec.attributes["status"];
  rec.attributes["status"] = kPendingDeletion;
  rec.attributes["deletion_date"] = format_rfc3339(date);
  rec.attributes["deletion_date_unix"] = date;
  return rec;
}

void record_lifecycle(nlohmann::json& attributes, const nlohmann::json& spec) {
  attributes["deletion_window"] = duration_field(spec, "deletionWindow", kDefaultDeletionWindow);
  if (pending_deletion(attributes)) {
    attributes.erase("status");
    if (auto before = attributes.find("status_before_deletion"); before != attributes.end()) {
      attributes["status"] = *before;
      attributes.erase("status_before_deletion");
    }
    attributes.erase("deletion_date");
    attributes.erase("deletion_date_unix");
  }
}

bool pending_deletion(const nlohmann::json& attributes) {
  return attributes.value("status", "") == kPendingDeletion;
}

std::string pending_deletion_reason(const nlohmann::json& attributes) {
  return std::string(kPendingDeletion) + " until " + attributes.value("deletion_date", "?");
}

}  // namespace keyform::pki
