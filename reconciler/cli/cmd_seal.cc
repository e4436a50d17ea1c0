// keyform seal: reads a value on stdin and prints a `sealed:` value that is
// safe to commit. Sealing needs only the public half of the project's seal
// key (in the state); the first `keyform seal` of a project makes the key
// pair, which needs the root key to seal the private half.
#include <iostream>
#include <iterator>

#include "providers/secrets/sealed_value.h"
#include "reconciler/cli/commands.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

struct SealCommand {
  bool keep_newline = false;
};

// Makes the project's seal key pair under the exclusive lock; returns the
// public half. The new snapshot is the durable record.
std::string make_seal_key(Workspace& ws) {
  auto loaded = ws.load_state(LockMode::kExclusive, "seal");
  State& state = loaded.state();
  if (!state.seal_public_key.empty()) return state.seal_public_key;  // another run made it
  Keyring keyring(ws.root_key(state), ws.backend().objects());
  secrets::SealKeyPair pair = secrets::generate_seal_key();
  state.seal_key_object = keyring.seal(secrets::kSealKeyContext, pair.private_key, KeyRef{});
  state.seal_public_key = pair.public_key;
  ++state.serial;
  ws.backend().checkpoint(state);
  std::cerr << "Made the project's seal key: the public half is in the state, the private half "
               "is sealed by the root key.\n";
  return pair.public_key;
}

int run_seal(const GlobalOptions& global, const SealCommand& opts) {
  SecretBytes input(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  if (!opts.keep_newline && !input.empty() && input.data()[input.size() - 1] == '\n')
    input.resize(input.size() - 1);
  if (input.empty()) throw Error("nothing to seal: give the value on stdin");
  Workspace ws(global);
  std::string public_key;
  {
    auto loaded = ws.load_state(LockMode::kShared, "seal");
    public_key = loaded.state().seal_public_key;
  }
  if (public_key.empty()) public_key = make_seal_key(ws);
  std::cout << secrets::seal_value(public_key, input) << "\n";
  return kExitOk;
}

}  // namespace

void register_seal(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<SealCommand>();
  CLI::App* cmd = app.add_subcommand(
      "seal", "Encrypt stdin into a sealed value (keyform-sealed:v1:...) that is safe to commit");
  cmd->add_flag("--keep-newline", opts->keep_newline,
                "Keep a trailing newline of the input (dropped by default)");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_seal(global, *opts); }; });
}

}  // namespace keyform::cli
