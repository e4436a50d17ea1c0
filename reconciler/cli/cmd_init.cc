// keyform init: creates the backend, the lineage, and a root key when none
// is configured.
#include <openssl/evp.h>

#include <cstdlib>
#include <iostream>

#include "reconciler/cli/commands.h"
#include "state/keyring.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/random.h"

namespace keyform::cli {

namespace {

// A root key, from the environment or a file; nullopt when there is none.
std::optional<SecretBytes> existing_root_key(const Workspace& ws) {
  const std::string& var = ws.config().project.root_key_env;
  const char* v = var.empty() ? nullptr : std::getenv(var.c_str());
  if ((v && *v) || std::filesystem::exists(ws.default_root_key_file())) return ws.root_key(State{});
  return std::nullopt;
}

int run_init(const GlobalOptions& global) {
  // Only the Project: a state can be made while resources are being written.
  Workspace ws(global, ConfigScope::kProjectOnly);
  Backend& backend = ws.backend_uninitialized();
  if (std::string upgraded = backend.upgrade(); !upgraded.empty()) std::cout << upgraded << "\n";
  if (backend.initialized()) {
    std::cout << "keyform is already initialised: " << backend.describe() << ". Nothing to do.\n";
    return kExitOk;
  }
  std::optional<SecretBytes> key = existing_root_key(ws);
  bool created_key = false;
  if (!key) {
    key = random_secret(32);
    std::filesystem::path file = ws.default_root_key_file();
    // A directory keyform creates is 0700; one that exists keeps its mode.
    // A directory keyform creates for the key also keeps it out of git
    // (with the local backend it is the state directory, which does anyway).
    if (std::filesystem::create_directories(file.parent_path())) {
      std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all);
      write_file_durable(file.parent_path() / ".gitignore", "*\n", 0644);
    }
    SecretBytes text(4 * ((key->size() + 2) / 3) + 1);
    int len = EVP_EncodeBlock(text.data(), key->data(), static_cast<int>(key->size()));
    text.data()[len] = '\n';
    if (std::filesystem::exists(file)) throw Error(file.string() + " already exists");
    write_file_durable(file, text.view(), 0400);
    created_key = true;
  }
  State initial;
  initial.lineage = random_id(16);
  initial.root_key_check = compute_root_key_check(*key);
  backend.create(initial);
  std::cout << "Initialised " << backend.describe() << " (lineage " << initial.lineage << ").\n";
  if (created_key) {
    std::cout
        << "Created a root key in " << ws.default_root_key_file().string() << " (mode 0400).\n"
        << "  Keep a copy somewhere safe: without it nothing in the state can be decrypted.\n";
    if (!ws.config().project.root_key_env.empty())
      std::cout << "  In CI, pass it in " << ws.config().project.root_key_env
                << " (the file's content) instead of keeping the file.\n";
    else
      std::cout << "  In CI, place it at that path from your secret store.\n";
  }
  return kExitOk;
}

}  // namespace

void register_init(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd =
      app.add_subcommand("init", "Create the state backend and a root key if none is configured");
  cmd->callback([&global, run] { *run = [&global] { return run_init(global); }; });
}

}  // namespace keyform::cli
