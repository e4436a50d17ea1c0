#pragma once
// The desired state: resources as written in the config, after schema
// validation. Specs are kept as JSON (the schema has already checked them).
// Header-only: providers/ use these types without linking reconciler/.
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace keyform {

struct SourcePos {
  std::string file;  // relative to the config directory
  int line = 0;      // 1-based
  int column = 0;    // 1-based
  // "certs/web.yaml:12:5"
  std::string str() const {
    return line > 0 ? file + ":" + std::to_string(line) + ":" + std::to_string(column) : file;
  }
};

// One diagnostic about the config: where, and what was expected.
struct Diagnostic {
  SourcePos pos;
  std::string message;
  std::string str() const { return pos.str() + ": " + message; }
};

struct Resource {
  std::string kind;
  std::string name;
  std::string description;
  std::map<std::string, std::string> tags;
  std::vector<std::string> depends_on;  // addresses, as written in dependsOn
  bool deletion_protection = false;
  nlohmann::json spec = nlohmann::json::object();
  SourcePos pos;  // where the document starts
  // Positions of the fields the kind's provider asked for after loading
  // (Provider::located_fields), by JSON pointer: "/spec/statements/2".
  std::map<std::string, SourcePos> marks;

  std::string address() const { return kind + "/" + name; }
};

// spec.fleet of the project (docs/fleet.md).
struct FleetSettings {
  std::string agent_ca;  // "CertificateAuthority/agents"; "" when the project has no fleet
  std::string server_certificate;  // "Certificate/serve"; "" when not given
  std::string agent_validity = "30d";
  // How long after expiry an agent may still renew its identity (docs/fleet.md).
  std::string renewal_grace = "7d";
  // A host of a target with spec.hosts that has not reported for longer is
  // reported by drift.
  std::string report_window = "1h";
};

struct Project {
  std::string name;
  std::string account;                 // owner account id
  std::string backend_type = "local";  // "local" or "postgres"
  std::string backend_path = ".keyform";
  // postgres: the environment variable holding the connection string.
  std::string backend_dsn_env = "KEYFORM_PG_DSN";
  std::string root_key_env = "KEYFORM_ROOT_KEY";
  std::string root_key_file;  // set when rootKey: {file: PATH}
  nlohmann::json defaults = nlohmann::json::object();
  FleetSettings fleet;
  SourcePos pos;
};

// A loaded, validated configuration. Resources keep their file order.
struct Config {
  std::filesystem::path dir;  // the directory of keyform.yaml
  Project project;
  std::vector<Resource> resources;
  std::unordered_map<std::string, size_t> by_address;

  const Resource* find(const std::string& address) const {
    auto it = by_address.find(address);
    return it == by_address.end() ? nullptr : &resources[it->second];
  }
};

// A path as written in the config: relative ones are relative to the
// directory of keyform.yaml, never to the current directory.
inline std::filesystem::path config_path(const Config& config, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = config.dir / p;
  return p.lexically_normal();
}

// Splits "Kind/name"; returns false when there is no '/'.
inline bool split_address(const std::string& address, std::string* kind, std::string* name) {
  size_t slash = address.find('/');
  if (slash == std::string::npos) return false;
  *kind = address.substr(0, slash);
  *name = address.substr(slash + 1);
  return true;
}

}  // namespace keyform
