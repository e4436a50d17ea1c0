#pragma once
// The four rotation steps of a Secret, each made durable before the next
// (ApplyContext::record_progress), and each safe to repeat with the same
// version:
//
//   create  a new version under PENDING, its value sealed; recorded as
//           attributes.rotation = {version, step: "create"}
//   set     the strategy applies the PENDING value to the backing system
//   test    the strategy proves it works; on failure the CURRENT value is
//           put back where set changed it, the step falls back to
//           "create", and the error says why. CURRENT never moved.
//   finish  PENDING becomes CURRENT, the old CURRENT becomes PREVIOUS,
//           unlabelled versions go, attributes.rotation is removed
//
// An apply killed between steps leaves attributes.rotation in the state;
// the next plan resumes it (Secret diff), so there is never a second
// PENDING version.
#include <functional>

#include "providers/provider.h"
#include "providers/secrets/rotation_strategy.h"

namespace keyform::secrets {

// Makes the value of a new version for `username` ("" when none).
using ValueMaker = std::function<SecretBytes(const std::string& username)>;

// Runs (or resumes) the rotation of `rec`, whose attributes say where it
// stands. Returns the finished entry; throws keyform::Error when a step fails.
RecordedResource rotate(ApplyContext& ctx, RecordedResource rec, const KeyRef& key,
                        const RotationStrategy& strategy, const ValueMaker& make_value);

// The password inside a version's value: its `password` field when it is a
// JSON object that has one, else the value itself.
SecretBytes password_of(const SecretBytes& value, const std::string& address);

}  // namespace keyform::secrets
