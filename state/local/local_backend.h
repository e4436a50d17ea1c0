#pragma once
// The local backend: the state in a directory (default .keyform/ beside
// keyform.yaml). Layout (docs/state-format.md):
//
//   .gitignore   "*": nothing here belongs in git
//   state.json   the snapshot (snapshot_file.h), replaced durably
//   journal      records since the snapshot (journal.h)
//   objects/     sealed objects (local_object_store.h)
//   lock         the flock target
//   lock.json    who holds the exclusive lock (LockInfo), while it is held
//   audit.log    the hash-chained audit log (audit_file.h, state/audit_log.h)
//
// Crash safety: checkpoint() writes state.json before it replaces the
// journal, and load() skips journal records whose serial the snapshot already
// holds, so a crash between the two replays nothing twice.
//
// One thread (the one that owns the state) calls a Backend; objects() may be
// used from any thread.
#include <filesystem>
#include <memory>

#include "state/backend.h"

namespace keyform {

std::unique_ptr<Backend> make_local_backend(const std::filesystem::path& state_dir);

}  // namespace keyform
