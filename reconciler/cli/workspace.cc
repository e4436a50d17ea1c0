#include "reconciler/cli/workspace.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "providers/provider.h"
#include "reconciler/config/loader.h"
#include "state/keyring.h"
#include "state/local/local_backend.h"
#include "state/postgres/postgres_backend.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::cli {

namespace {
double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

Workspace::Workspace(const GlobalOptions& global, ConfigScope scope) : global_(global) {
  auto start = std::chrono::steady_clock::now();
  origin_ = locate_config(global.dir, global.rev);
  config_ = scope == ConfigScope::kProjectOnly
                ? load_project(*origin_.source, origin_.dir)
                : load_config(*origin_.source, origin_.dir, builtin_providers(), &graph_);
  if (global.verbose)
    std::cerr << "keyform: loaded " << config_.resources.size() << " resources from "
              << origin_.source->describe() << " in " << static_cast<int>(ms_since(start))
              << " ms\n";
  backend_type_ = global.backend.empty() ? config_.project.backend_type : global.backend;
  if (backend_type_ != "local" && backend_type_ != "postgres")
    throw Error("backend type " + backend_type_ + " is not supported (local or postgres)");
  if (!global.lock_timeout.empty() && global.lock_timeout != "0") {
    auto t = parse_duration(global.lock_timeout);
    if (!t)
      throw Error("--lock-timeout: expected a duration like 30s, 5m or 1h (got \"" +
                  global.lock_timeout + "\")");
    lock_timeout_ = *t;
  }
}

std::unique_ptr<Backend> Workspace::make_backend(const std::string& type) const {
  if (type == "local") return make_local_backend(state_dir());
  if (type != "postgres") throw Error("backend type " + type + " is not supported");
  const std::string& var = config_.project.backend_dsn_env;
  const char* dsn = std::getenv(var.c_str());
  if (!dsn || !*dsn)
    throw Error("the postgres backend reads its connection string from $" + var +
                ", which is not set");
  return make_postgres_backend(dsn, "$" + var);
}

Backend& Workspace::backend_uninitialized() {
  if (!backend_) backend_ = make_backend(backend_type_);
  return *backend_;
}

std::filesystem::path Workspace::state_dir() const {
  return config_path(config_, config_.project.backend_path);
}

Backend& Workspace::backend() {
  Backend& b = backend_uninitialized();
  if (!b.initialized()) throw Error("no state in " + b.describe() + ": run `keyform init` first");
  return b;
}

UnixTime Workspace::now() const {
  if (const char* v = std::getenv("KEYFORM_NOW"); v && *v) {
    auto t = parse_rfc3339(v);
    if (!t)
      throw Error(
          std::string("KEYFORM_NOW: expected an RFC 3339 time like 2027-06-01T00:00:00Z (got \"") +
          v + "\")");
    return *t;
  }
  return SystemClock().now();
}

int Workspace::parallelism() const {
  if (global_.parallelism > 0) return global_.parallelism;
  unsigned n = std::thread::hardware_concurrency();
  return n ? static_cast<int>(n) : 1;
}

bool use_color(bool no_color) {
  if (no_color || std::getenv("NO_COLOR")) return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

Style Workspace::style() const { return Style{use_color(global_.no_color)}; }

std::filesystem::path Workspace::default_root_key_file() const {
  if (!config_.project.root_key_file.empty())
    return config_path(config_, config_.project.root_key_file);
  return state_dir() / "root.key";
}

SecretBytes Workspace::root_key(const State& state) const {
  const std::string& var = config_.project.root_key_env;
  SecretBytes key;
  if (const char* v = var.empty() ? nullptr : std::getenv(var.c_str()); v && *v) {
    try {
      key = decode_root_key(v);
    } catch (const Error& e) {
      throw Error(var + ": " + e.what());
    }
  } else {
    std::filesystem::path file = default_root_key_file();
    if (!std::filesystem::exists(file))
      throw Error("no root key: " +
                  (var.empty() ? std::string() : "set " + var + " (base64 of 32 bytes) or ") +
                  "put it in " + file.string());
    SecretBytes text = read_secret_file(file);
    try {
      key = decode_root_key(text.view());
    } catch (const Error& e) {
      throw Error(file.string() + ": " + e.what());
    }
  }
  if (!state.root_key_check.empty()) {
    if (compute_root_key_check(key) != state.root_key_check)
      throw Error("the root key does not match this state (lineage " + state.lineage +
                  "): it was initialised with another key");
  }
  return key;
}

Workspace::LoadedState Workspace::load_state(LockMode mode, const std::string& operation) {
  auto start = std::chrono::steady_clock::now();
  LoadedState out;
  out.lock = lock(backend(), mode, operation);
  out.loaded = backend().load();
  print_warnings(out.loaded.warnings, style());
  if (global_.verbose)
    std::cerr << "keyform: state serial " << out.loaded.state.serial << ", "
              << out.loaded.state.resources.size() << " recorded, " << out.loaded.journal_records
              << " journal records replayed, in " << static_cast<int>(ms_since(start)) << " ms\n";
  return out;
}

std::unique_ptr<StateLock> Workspace::lock(Backend& backend, LockMode mode,
                                           const std::string& operation) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(lock_timeout_);
  std::mt19937 jitter(std::random_device{}());
  bool said = false;
  for (;;) {
    try {
      return backend.lock(mode, operation);
    } catch (const LockedError& e) {
      if (std::chrono::steady_clock::now() >= deadline) {
        if (lock_timeout_ == 0) throw;
        throw LockedError(std::string(e.what()) + " (gave up after --lock-timeout " +
                          global_.lock_timeout + ")");
      }
      if (!said)
        std::cerr << "keyform: waiting up to " << global_.lock_timeout << ": " << e.what() << "\n";
      said = true;
    }
    // Polling with jitter: waiters do not retry in step.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + jitter() % 200));
  }
}

std::string shell_word(const std::string& word) {
  static constexpr std::string_view kPlain =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-";
  if (!word.empty() && word.find_first_not_of(kPlain) == std::string::npos) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string keyform_command(const GlobalOptions& global) {
  std::string out = "keyform";
  if (global.dir != ".") out += " -C " + shell_word(global.dir);
  if (!global.rev.empty()) out += " --rev " + shell_word(global.rev);
  if (!global.backend.empty()) out += " --backend " + shell_word(global.backend);
  return out;
}

void print_warnings(const std::vector<std::string>& warnings, const Style& style) {
  for (const std::string& w : warnings) std::cerr << style.yellow("Warning: ") << w << "\n";
}

}  // namespace keyform::cli
