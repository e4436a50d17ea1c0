#pragma once
// What the commands share: the global flags, the loaded config, the backend,
// the clock and the root key. Each command asks only for what it needs
// (validate: the config; plan: the state; apply: the lock and the root key).
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "reconciler/config/config_origin.h"
#include "reconciler/config/resource.h"
#include "reconciler/graph.h"
#include "reconciler/render/style.h"
#include "state/backend.h"
#include "util/secret_bytes.h"
#include "util/time.h"

namespace keyform::cli {

enum ExitCode { kExitOk = 0, kExitError = 1, kExitChanges = 2, kExitLocked = 3 };

struct GlobalOptions {
  std::string dir = ".";
  std::string rev;      // --rev REV[:PATH]: read the config from this commit
  int parallelism = 0;  // 0: the number of cores
  bool no_color = false;
  bool verbose = false;
  std::string backend;       // --backend: "local" or "postgres" overrides keyform.yaml
  std::string lock_timeout;  // --lock-timeout: a duration to wait for the lock; "" fails at once
};

// A command: registered on the app; when chosen, sets `run`.
using Runner = std::function<int()>;
using CommandRegistrar = void (*)(CLI::App& app, const GlobalOptions& global, Runner* run);

// How much of the configuration a command needs: all of it, or only the
// Project (init and state surgery, which must work while the resources'
// files are broken: loader.h's load_project).
enum class ConfigScope { kAll, kProjectOnly };

class Workspace {
 public:
  // Loads and validates the configuration (throws ConfigError).
  explicit Workspace(const GlobalOptions& global, ConfigScope scope = ConfigScope::kAll);

  const Config& config() const { return config_; }
  // Where the config was read from: the working tree or a commit, and the
  // repository around it (config_origin.h).
  const ConfigOrigin& origin() const { return origin_; }
  const Graph& graph() const { return graph_; }
  const GlobalOptions& global() const { return global_; }
  std::filesystem::path state_dir() const;
  // The backend; throws "run keyform init" when the state does not exist.
  Backend& backend();
  Backend& backend_uninitialized();
  // "local" or "postgres": --backend, else keyform.yaml.
  const std::string& backend_type() const { return backend_type_; }
  // A backend of `type` for this project (state migrate's destination).
  std::unique_ptr<Backend> make_backend(const std::string& type) const;
  // KEYFORM_NOW when set (RFC 3339), else the system clock.
  UnixTime now() const;
  int parallelism() const;
  Style style() const;
  // The root key from KEYFORM_ROOT_KEY (or the configured variable or
  // file), else .keyform/root.key; checked against the state.
  SecretBytes root_key(const State& state) const;
  // Takes the lock and loads the state, printing load warnings (and, with
  // -v, what was loaded) to stderr. The lock is held while the result lives.
  struct LoadedState {
    std::unique_ptr<StateLock> lock;
    LoadResult loaded;
    State& state() { return loaded.state; }
  };
  LoadedState load_state(LockMode mode, const std::string& operation);
  // Takes `backend`'s lock, waiting up to --lock-timeout while it is held.
  std::unique_ptr<StateLock> lock(Backend& backend, LockMode mode, const std::string& operation);
  // Where init would look for or put a root key, and whether one is given.
  std::filesystem::path default_root_key_file() const;

 private:
  GlobalOptions global_;
  ConfigOrigin origin_;
  Config config_;
  Graph graph_;
  std::string backend_type_;
  Seconds lock_timeout_ = 0;
  std::unique_ptr<Backend> backend_;  // made on first use: validate needs none
};

// `word` as one shell word: as it is when it needs no quoting, else in
// single quotes.
std::string shell_word(const std::string& word);
// "keyform" and the global flags that choose the config and the backend
// (-C, --rev, --backend) as they were given, for hints that name a command
// to run next: `keyform -C pki apply web.plan`.
std::string keyform_command(const GlobalOptions& global);

// Prints load warnings (torn journal records, unfinished actions) to stderr.
void print_warnings(const std::vector<std::string>& warnings, const Style& style);

// Returns true when stdout is a terminal and colour is allowed.
bool use_color(bool no_color);

}  // namespace keyform::cli
