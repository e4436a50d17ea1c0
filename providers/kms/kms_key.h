#pragma once
// The KmsKey kind: versioned 256-bit key material, wrapped by the root key,
// that wraps the data keys of sealed objects.
//
// Recorded shape (current_key() in provider.h reads it):
//   attributes {current_version: N, enabled,
//               versions: [{version, created (RFC 3339), created_unix}]}
//   objects    {"v1": material object id, ..., "vN": ...}
// Rotation adds a version and makes it current; older versions stay, since
// objects sealed under them must keep opening. A KmsKey is never replaced.
#include <memory>

#include "providers/provider.h"

namespace keyform {

std::unique_ptr<Provider> make_kms_key_provider();

}  // namespace keyform
