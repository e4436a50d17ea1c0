#pragma once
// Loads a config directory (or a git tree: config_source.h) into a validated Config: keyform.yaml
// (the Project) and every *.yaml / *.yml below it, in sorted path order, skipping hidden files and
// directories (.git, .keyform, ...) and the backend's directory. Every problem found is reported at
// once, each with its file:line:col, the field, what was expected, and the nearest valid name:
//
//   certs/web.yaml:7:11: spec.issuer: no CertificateAuthority named "rot" (did you mean "root"?)
//
// The steps: parse (YAML syntax, UTF-8); per document, kind and the kind's
// JSON Schema; duplicate addresses; each provider's validate(); every
// reference and dependsOn entry names an existing resource; no cycles.
#include <filesystem>
#include <string>
#include <vector>

#include "providers/provider.h"
#include "reconciler/config/config_source.h"
#include "reconciler/config/resource.h"
#include "reconciler/graph.h"
#include "util/error.h"

namespace keyform {

// The config is invalid. what() is every diagnostic, one per line, sorted
// by file, line and column.
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  struct Sorted {};
  ConfigError(std::vector<Diagnostic> diagnostics, Sorted);
  std::vector<Diagnostic> diagnostics_;
};

// Throws ConfigError listing every problem; "no keyform.yaml in DIR" when
// dir holds none. Config::dir is `dir` made absolute; resources are in file
// order (keyform.yaml's first, then by path) and document order within a
// file. Schema defaults are not filled into specs: providers apply them.
// With `graph`, also returns the dependency graph the cycle check built (the
// same as build_graph(config), without asking every provider again).
Config load_config(const std::filesystem::path& dir, const ProviderRegistry& registry,
                   Graph* graph = nullptr);
// The same, reading the files from `source` (a directory or a git tree);
// `dir` becomes Config::dir, where relative paths in the config resolve.
Config load_config(const ConfigSource& source, const std::filesystem::path& dir,
                   const ProviderRegistry& registry, Graph* graph = nullptr);

// Only keyform.yaml's Project document; its other documents and every other
// file are not read. What init and state surgery need, so that they work
// while the rest of the configuration is broken. Throws ConfigError for the
// Project's own problems. Config::resources is empty.
Config load_project(const ConfigSource& source, const std::filesystem::path& dir);

// A resource's edges: its provider's references, then its dependsOn
// entries (field "/dependsOn/<i>"). Empty references for a kind the
// registry does not know.
std::vector<Reference> resource_edges(const Resource& r, const Project& p,
                                      const ProviderRegistry& registry);

// The dependency graph of a loaded config: every resource, in config order,
// and an edge for each of resource_edges() whose target is in the config.
Graph build_graph(const Config& config, const ProviderRegistry& registry);

}  // namespace keyform
