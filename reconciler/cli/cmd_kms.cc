// keyform kms reencrypt KmsKey/NAME: seals every object wrapped by an older
// version of the key again under its current version, so old versions stop
// being needed for reading. Each entry's new object ids are journalled
// before its old objects are removed: a crash leaves either the old or the
// new objects recorded, both of which open.
#include <iostream>

#include "reconciler/cli/commands.h"
#include "state/state_writer.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

int run_reencrypt(const GlobalOptions& global, const std::string& address) {
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kExclusive, "kms reencrypt");
  State& state = loaded.state();
  const RecordedResource* kms = state.find(address);
  if (!kms || kms->kind != "KmsKey") throw Error(address + " is not a recorded KmsKey");
  if (!kms->attributes.value("enabled", true))
    throw Error(address + " is disabled (enabled: false): enable it before re-encrypting");
  const int version = kms->attributes.value("current_version", 0);
  KeyRef to{address, version, object_id(*kms, "v" + std::to_string(version))};
  Keyring keyring(ws.root_key(state), ws.backend().objects());
  keyring.set_key_states(state);

  StateWriter writer(ws.backend(), state);
  size_t moved = 0, entries = 0;
  std::vector<std::string> addresses;
  for (const auto& [a, r] : state.resources)
    if (sealing_kms(r) == address) addresses.push_back(a);
  for (const std::string& a : addresses) {
    RecordedResource entry = *state.find(a);
    std::vector<std::string> obsolete;
    for (auto& [role, id] : entry.objects) {
      std::string fresh = keyring.reencrypt(id, to);
      if (fresh.empty()) continue;
      obsolete.push_back(id);
      id = fresh;
    }
    if (obsolete.empty()) continue;
    JournalRecord r;
    r.type = JournalRecord::Type::kDone;
    r.action_id = "kms-reencrypt";
    r.address = a;
    r.time = ws.now();
    r.entry = entry;
    writer.log_and_apply(std::move(r));  // durable, then the old objects go
    moved += obsolete.size();
    ++entries;
  }
  std::cout << "Re-encrypted " << moved << (moved == 1 ? " object" : " objects") << " of "
            << entries << (entries == 1 ? " resource" : " resources") << " under " << address
            << " version " << version << ". State serial " << state.serial << ".\n";
  return kExitOk;
}

}  // namespace

void register_kms(CLI::App& app, const GlobalOptions& global, Runner* run) {
  CLI::App* cmd = app.add_subcommand("kms", "KmsKey maintenance");
  cmd->require_subcommand(1);
  auto address = std::make_shared<std::string>();
  CLI::App* re = cmd->add_subcommand(
      "reencrypt", "Seal every object under an older version again under the current version");
  re->add_option("address", *address, "KmsKey/NAME")->required();
  re->callback([&global, run, address] {
    *run = [&global, address] { return run_reencrypt(global, *address); };
  });
}

}  // namespace keyform::cli
