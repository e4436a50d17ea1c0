#include "reconciler/cli/state_migrate.h"

#include <iostream>

#include "util/encoding.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

std::string state_digest(const State& s) { return sha256_hex(to_json(s).dump()); }

// Whether `dest` already holds anything: a state, or objects (left by an
// earlier attempt or another project). An uninitialised postgres database
// has no objects table yet, which counts as empty.
bool holds_anything(Backend& dest) {
  if (dest.initialized()) return true;
  try {
    if (!dest.objects().list().empty()) return true;
    return !dest.read_audit().empty();
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

int run_state_migrate(const GlobalOptions& global, const std::string& to) {
  Workspace ws(global);
  if (to == ws.backend_type())
    throw Error("the state is already in the " + to + " backend (" + ws.backend().describe() + ")");
  Backend& source = ws.backend();
  auto loaded = ws.load_state(LockMode::kExclusive, "state migrate");
  if (!loaded.loaded.unfinished.empty())
    throw Error("the state has " + std::to_string(loaded.loaded.unfinished.size()) +
                " unfinished action(s) from an interrupted run; run `keyform apply` to finish "
                "them, then migrate");
  std::unique_ptr<Backend> dest = ws.make_backend(to);
  if (holds_anything(*dest))
    throw Error(dest->describe() +
                " is not empty (it holds a keyform state, objects or an audit log); refusing to "
                "overwrite it");

  const State& state = loaded.state();
  // The journal replayed into one snapshot: the destination starts with an
  // empty journal at the same lineage and serial.
  dest->create(state);
  auto dest_lock = ws.lock(*dest, LockMode::kExclusive, "state migrate");
  std::vector<std::string> ids = source.objects().list();
  for (const std::string& id : ids) dest->objects().put(id, source.objects().get(id));
  // The audit log moves line for line: its hash chain stays verifiable.
  const std::vector<std::string> audit = source.read_audit();
  if (!audit.empty()) dest->append_audit([&](const std::string&) { return audit; });

  // Verify from the destination as a later run will read it.
  LoadResult check = dest->load();
  if (check.state.resources.size() != state.resources.size() ||
      check.state.serial != state.serial || state_digest(check.state) != state_digest(state))
    throw Error("verification failed: the state read back from " + dest->describe() +
                " differs from the source (" + std::to_string(check.state.resources.size()) +
                " resources at serial " + std::to_string(check.state.serial) + ", expected " +
                std::to_string(state.resources.size()) + " at serial " +
                std::to_string(state.serial) + "); the source is unchanged");
  std::vector<std::string> copied = dest->objects().list();
  if (copied != ids)
    throw Error("verification failed: " + dest->describe() + " holds " +
                std::to_string(copied.size()) + " objects, the source " +
                std::to_string(ids.size()) + "; the source is unchanged");
  for (const std::string& id : ids)
    if (sha256_hex(dest->objects().get(id)) != sha256_hex(source.objects().get(id)))
      throw Error("verification failed: object " + id + " differs in " + dest->describe() +
                  "; the source is unchanged");

  if (dest->read_audit() != audit)
    throw Error("verification failed: the audit log read back from " + dest->describe() +
                " differs from the source's; the source is unchanged");

  std::cout << "Migrated the state (lineage " << state.lineage << ", serial " << state.serial
            << ", " << state.resources.size() << " resources, " << ids.size() << " objects, "
            << audit.size() << " audit records)\n"
            << "  from " << source.describe() << "\n  to   " << dest->describe() << ".\n"
            << "Verified: the state read back has sha256 " << state_digest(state)
            << " as the source's, and all " << ids.size() << " objects match by sha256.\n"
            << "Next: set `backend: {type: " << to << "}` in keyform.yaml (or pass --backend " << to
            << "). The source is left as it was; remove it once every runner has "
            << "switched.\n";
  return kExitOk;
}

}  // namespace keyform::cli
