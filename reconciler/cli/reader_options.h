#pragma once
// The options of a command that asks keyform serve as its caller
// (`secret get --server`, `access check --server`; docs/fleet.md).
#include <CLI/CLI.hpp>

#include "fleet/reader_client.h"

namespace keyform::cli {

void add_reader_options(CLI::App* cmd, fleet::ReaderOptions& options);

}  // namespace keyform::cli
