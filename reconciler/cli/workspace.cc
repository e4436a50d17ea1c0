#include "reconciler/cli/workspace.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "providers/provider.h"
#include "reconciler/config/loader.h"
#include "state/keyring.h"
#include "state/local/local_backend.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform::cli {

namespace {
double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

Workspace::Workspace(const GlobalOptions& global) : global_(global) {
  auto start = std::chrono::steady_clock::now();
  origin_ = locate_config(global.dir, global.rev);
  config_ = load_config(*origin_.source, origin_.dir, builtin_providers(), &graph_);
  if (global.verbose)
    std::cerr << "keyform: loaded " << config_.resources.size() << " resources from "
              << origin_.source->describe() << " in " << static_cast<int>(ms_since(start))
              << " ms\n";
  if (config_.project.backend_type != "local")
    throw Error("backend type " + config_.project.backend_type + " is not supported");
  backend_ = make_local_backend(state_dir());
}

std::filesystem::path Workspace::state_dir() const {
  return config_path(config_, config_.project.backend_path);
}

Backend& Workspace::backend() {
  if (!backend_->initialized())
    throw Error("no state in " + state_dir().string() + ": run `keyform init` first");
  return *backend_;
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
  out.lock = backend().lock(mode, operation);
  out.loaded = backend().load();
  print_warnings(out.loaded.warnings, style());
  if (global_.verbose)
    std::cerr << "keyform: state serial " << out.loaded.state.serial << ", "
              << out.loaded.state.resources.size() << " recorded, " << out.loaded.journal_records
              << " journal records replayed, in " << static_cast<int>(ms_since(start)) << " ms\n";
  return out;
}

void print_warnings(const std::vector<std::string>& warnings, const Style& style) {
  for (const std::string& w : warnings) std::cerr << style.yellow("Warning: ") << w << "\n";
}

}  // namespace keyform::cli
