#include "providers/pki/certificate_drift.h"

#include "providers/pki/pki_spec.h"
#include "providers/pki/x509.h"
#include "util/error.h"

namespace keyform::pki {

Observation observe_certificate(const RecordedResource& recorded, const RenewalPolicy& policy,
                                ObserveContext& ctx) {
  Observation o;
  if (auto due = recorded_renewal_reason(recorded.attributes, policy, ctx.now))
    o.note(Observation::kModified, *due);
  auto object = recorded.objects.find("privateKey");
  if (object == recorded.objects.end()) {
    o.note(Observation::kModified, "no private key object is recorded");
    return o;
  }
  if (!ctx.keyring) {
    o.note(Observation::kNotChecked, "private key not checked: no root key available");
    return o;
  }
  try {
    // The key is sealed under its certificate's public-key digest: if it
    // opens, it is this certificate's key (and no decoder needs to run).
    x509::CertPtr cert =
        x509::certificate_from_pem(recorded.attributes.value("certificate_pem", ""));
    if (x509::public_key_sha256(cert.get()) != recorded.attributes.value("public_key_sha256", ""))
      o.note(Observation::kModified,
             "the recorded certificate does not match its recorded public key");
    ctx.keyring->open(object->second, private_key_context(recorded));
  } catch (const Error& e) {
    o.note(Observation::kModified,
           std::string("the sealed private key cannot be opened: ") + e.what());
  }
  return o;
}

}  // namespace keyform::pki
