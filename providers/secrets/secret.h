#pragma once
// The Secret kind: a value kept as versions with staging labels, sealed
// under a KmsKey, rotated in four steps (secret_rotation.h) by a strategy
// (rotation_strategy.h). Recorded shape: secret_versions.h.
#include <memory>

#include "providers/provider.h"

namespace keyform {

std::unique_ptr<Provider> make_secret_provider();

}  // namespace keyform
