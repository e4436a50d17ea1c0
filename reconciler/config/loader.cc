#include "reconciler/config/loader.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "schema/catalog.h"
#include "schema/validator.h"
#include "schema/yaml_document.h"
#include "schema/yaml_json.h"
#include "util/nearest.h"

namespace keyform {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kProjectFile = "keyform.yaml";

std::string join_lines(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.str();
  }
  return out;
}

std::vector<Diagnostic> sorted(std::vector<Diagnostic> d) {
  std::stable_sort(d.begin(), d.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.file, a.pos.line, a.pos.column) <
           std::tie(b.pos.file, b.pos.line, b.pos.column);
  });
  return d;
}

std::string in_quotes(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out += '"';
  return out;
}

// A provider's message about a field, led by the field's full path:
// ("/spec/type", "type: x") and ("/spec/type", "x") both read "spec.type: x";
// ("/spec/deletionWindow", "deletionWindow must be ...") reads
// "spec.deletionWindow must be ...".
std::string field_message(const std::string& field, const std::string& message) {
  std::string path = schema::field_path(field);
  if (path.empty()) return message;
  for (size_t start = 0; start != std::string::npos;) {
    std::string_view suffix = std::string_view(path).substr(start);
    if (message.size() > suffix.size() && message.compare(0, suffix.size(), suffix) == 0 &&
        (message[suffix.size()] == ':' || message[suffix.size()] == ' '))
      return path.substr(0, start) + message;
    size_t dot = path.find('.', start);
    start = dot == std::string::npos ? dot : dot + 1;
  }
  return path + ": " + message;
}

class Loader {
 public:
  Loader(const ConfigSource& source, const fs::path& dir, const ProviderRegistry& registry)
      : source_(source), dir_(fs::absolute(dir).lexically_normal()), registry_(registry) {
    config_.dir = dir_;
    kinds_ = registry.kinds();
    kinds_.push_back("Project");
    std::sort(kinds_.begin(), kinds_.end());
  }

  // With `project_only`, only keyform.yaml's Project document is read.
  Config run(bool project_only = false) {
    project_only_ = project_only;
    if (!source_.has_file(std::string(kProjectFile)))
      throw ConfigError({Diagnostic{SourcePos{std::string(kProjectFile)},
                                    "no keyform.yaml in " + source_.describe()}});
    load_parsed(parse(std::string(kProjectFile)), std::string(kProjectFile), true);
    if (!project_seen_ && !project_file_failed_)
      report(SourcePos{std::string(kProjectFile), 1, 1}, "keyform.yaml holds no Project document");
    if (project_only) {
      if (!diagnostics_.empty()) throw ConfigError(std::move(diagnostics_));
      return std::move(config_);
    }
    std::vector<std::string> files = config_files();
    std::vector<Parsed> parsed = parse_all(files);
    for (size_t i = 0; i < files.size(); ++i) load_parsed(std::move(parsed[i]), files[i], false);
    check_project_references();
    for (size_t i = 0; i < config_.resources.size(); ++i) check_resource(i);
    check_across_resources();
    check_cycles();
    if (!diagnostics_.empty()) throw ConfigError(std::move(diagnostics_));
    return std::move(config_);
  }

 private:
  SourcePos pos(const std::string& file, yaml::Mark m) const {
    return SourcePos{file, m.line, m.column};
  }
  void report(SourcePos p, std::string message) {
    diagnostics_.push_back(Diagnostic{std::move(p), std::move(message)});
  }

  // Every config file but keyform.yaml, relative to dir_, sorted.
  std::vector<std::string> config_files() {
    fs::path backend = config_path(config_, config_.project.backend_path);
    std::vector<std::string> out;
    try {
      out = source_.yaml_files(backend.lexically_relative(dir_).generic_string());
    } catch (const Error& e) {
      report(SourcePos{"."}, e.what());
    }
    std::erase(out, std::string(kProjectFile));
    return out;
  }

  // A file read and parsed, or why it could not be.
  struct Parsed {
    std::unique_ptr<yaml::Stream> stream;
    std::optional<Diagnostic> error;
  };

  Parsed parse(const std::string& rel) const {
    Parsed p;
    // Whole-file problems point at the file's start.
    SourcePos start{rel, 1, 1};
    try {
      p.stream = yaml::Stream::parse(source_.read(rel));
    } catch (const yaml::SyntaxError& e) {
      p.error = Diagnostic{pos(rel, e.mark()), e.what()};
    } catch (const Error& e) {
      p.error = Diagnostic{start, e.what()};
    }
    return p;
  }

  // Parsing is most of the work of loading, and files are independent:
  // spread them over the cores. Everything after is in file order.
  std::vector<Parsed> parse_all(const std::vector<std::string>& files) const {
    std::vector<Parsed> out(files.size());
    size_t threads = std::min<size_t>(
        {std::max(1u, std::thread::hardware_concurrency()), 4, files.size() / 8 + 1});
    std::atomic<size_t> next{0};
    auto work = [&] {
      for (size_t i; (i = next.fetch_add(1)) < files.size();) out[i] = parse(files[i]);
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    return out;
  }

  void load_parsed(Parsed p, const std::string& rel, bool project_file) {
    if (p.error) {
      diagnostics_.push_back(std::move(*p.error));
      if (project_file) project_file_failed_ = true;
      return;
    }
    for (size_t i = 0; i < p.stream->size(); ++i)
      load_document(p.stream->document(i), rel, project_file);
    streams_.push_back(std::move(p.stream));
  }

  void load_document(const yaml::Node& doc, const std::string& file, bool project_file) {
    if (project_only_ && !is_project_document(doc)) return;
    if (!doc.is_mapping()) {
      report(pos(file, doc.mark()), "expected a mapping with kind, name and spec (got " +
                                        std::string(doc.is_sequence() ? "a list" : "a scalar") +
                                        ")");
      return;
    }
    yaml::Node kind_node = doc.get("kind");
    if (!kind_node.valid() && project_file) return load_project(doc, file);
    if (!kind_node.valid()) {
      report(pos(file, doc.mark()), "missing required field \"kind\"");
      return;
    }
    if (!kind_node.is_scalar()) {
      report(pos(file, kind_node.is_null() ? doc.mark() : kind_node.mark()),
             "kind: expected a kind such as Certificate");
      return;
    }
    std::string kind(kind_node.scalar());
    if (kind == "Project") {
      if (project_file) return load_project(doc, file);
      report(pos(file, kind_node.mark()),
             "a Project document belongs in keyform.yaml, not in " + file);
      return;
    }
    if (!registry_.find(kind)) {
      std::string msg = "unknown kind " + in_quotes(kind);
      if (std::string hint = did_you_mean(kind, kinds_); !hint.empty()) {
        msg += hint;
      } else {
        msg += "; the kinds are ";
        for (size_t i = 0; i < kinds_.size(); ++i) msg += (i ? ", " : "") + kinds_[i];
      }
      report(pos(file, kind_node.mark()), msg);
      return;
    }
    const schema::CompiledSchema* schema = schema::compiled_schema_for(kind);
    if (!schema) {
      report(pos(file, kind_node.mark()), "kind " + kind + " has no schema (a keyform bug)");
      return;
    }

    // Register the address before validating, so that a reference to a
    // resource with errors is not reported as dangling too.
    SourcePos at = pos(file, doc.mark());
    yaml::Node name_node = doc.get("name");
    bool duplicate = false;
    if (name_node.valid() && name_node.is_scalar()) {
      std::string address = kind + "/" + std::string(name_node.scalar());
      auto [first, added] = declared_.try_emplace(address, at);
      if (added) {
        names_by_kind_[kind].push_back(std::string(name_node.scalar()));
      } else {
        report(at, "duplicate " + address + ": first defined at " + first->second.str());
        duplicate = true;
      }
    }

    if (!validate(doc, *schema, file)) return;
    json j;
    try {
      j = schema::to_json(doc, *schema);
    } catch (const Error& e) {
      report(at, e.what());
      return;
    }
    if (duplicate) return;
    Resource r;
    r.kind = std::move(kind);
    r.name = j["name"].get<std::string>();
    r.description = j.value("description", "");
    if (j.contains("tags")) r.tags = j["tags"].get<std::map<std::string, std::string>>();
    if (j.contains("dependsOn")) r.depends_on = j["dependsOn"].get<std::vector<std::string>>();
    r.deletion_protection = j.value("deletionProtection", false);
    if (j.contains("spec") && j["spec"].is_object()) r.spec = std::move(j["spec"]);
    r.pos = std::move(at);
    for (const std::string& f : registry_.find(r.kind)->located_fields(r))
      r.marks[f] = pos(file, schema::mark_at(doc, f));
    config_.by_address.emplace(r.address(), config_.resources.size());
    config_.resources.push_back(std::move(r));
    nodes_.push_back(doc);
  }

  // keyform.yaml's Project: a mapping whose kind is Project or missing.
  static bool is_project_document(const yaml::Node& doc) {
    if (!doc.is_mapping()) return false;
    yaml::Node kind = doc.get("kind");
    return !kind.valid() || (kind.is_scalar() && kind.scalar() == "Project");
  }

  bool validate(const yaml::Node& doc, const schema::CompiledSchema& schema,
                const std::string& file) {
    std::vector<schema::SchemaError> errors = schema::validate(doc, schema);
    for (schema::SchemaError& e : errors) report(pos(file, e.mark), std::move(e.message));
    return errors.empty();
  }

  void load_project(const yaml::Node& doc, const std::string& file) {
    SourcePos at = pos(file, doc.mark());
    if (project_seen_) {
      report(at, "a second Project document: the first is at " + project_pos_.str());
      return;
    }
    project_seen_ = true;
    project_pos_ = at;
    const schema::CompiledSchema* schema = schema::compiled_schema_for("Project");
    if (!schema) {
      report(at, "kind Project has no schema (a keyform bug)");
      return;
    }
    if (!validate(doc, *schema, file)) return;
    json j;
    try {
      j = schema::to_json(doc, *schema);
    } catch (const Error& e) {
      report(at, e.what());
      return;
    }
    Project& p = config_.project;
    p.name = j["name"].get<std::string>();
    p.pos = at;
    const json spec = j.value("spec", json::object());
    p.account = spec.value("account", "");
    if (spec.contains("backend")) {
      const json& b = spec["backend"];
      p.backend_type = b.value("type", "local");
      p.backend_path = b.value("path", ".keyform");
      if (b.contains("dsn")) p.backend_dsn_env = b["dsn"]["env"].get<std::string>();
    }
    if (spec.contains("rootKey")) {
      const json& k = spec["rootKey"];
      if (k.contains("file")) {
        p.root_key_file = k["file"].get<std::string>();
        p.root_key_env.clear();
      } else {
        p.root_key_env = k.value("env", "KEYFORM_ROOT_KEY");
      }
    }
    if (spec.contains("defaults")) p.defaults = spec["defaults"];
    if (spec.contains("fleet")) {
      const json& f = spec["fleet"];
      p.fleet.agent_ca = f.value("agentCA", "");
      p.fleet.server_certificate = f.value("serverCertificate", "");
      p.fleet.agent_validity = f.value("agentValidity", "30d");
      p.fleet.renewal_grace = f.value("renewalGrace", "7d");
      p.fleet.report_window = f.value("reportWindow", "1h");
    }
    project_node_ = doc;
  }

  // Reports `address` when it names no resource; true when it does.
  bool check_address(const std::string& address, const yaml::Node& node, const std::string& field,
                     const std::string& file) {
    if (config_.by_address.count(address) || declared_.count(address)) return true;
    if (missing_defaults_.count(address)) return false;  // already reported at its source
    SourcePos at = pos(file, schema::mark_at(node, field));
    std::string path = schema::field_path(field);
    std::string kind, name;
    if (!split_address(address, &kind, &name)) {
      report(at, path + ": expected an address like Kind/name (got " + in_quotes(address) + ")");
      return false;
    }
    if (!registry_.find(kind)) {
      report(at, path + ": unknown kind " + in_quotes(kind) + " in " + in_quotes(address) +
                     did_you_mean(kind, kinds_));
      return false;
    }
    static const std::vector<std::string> kNone;
    auto names = names_by_kind_.find(kind);
    report(at, path + ": no " + kind + " named " + in_quotes(name) +
                   did_you_mean(name, names == names_by_kind_.end() ? kNone : names->second));
    return false;
  }

  void check_project_references() {
    if (!project_node_.valid()) return;
    const FleetSettings& fleet = config_.project.fleet;
    const std::string file(kProjectFile);
    if (!fleet.agent_ca.empty())
      check_address(fleet.agent_ca, project_node_, "/spec/fleet/agentCA", file);
    if (!fleet.server_certificate.empty())
      check_address(fleet.server_certificate, project_node_, "/spec/fleet/serverCertificate", file);
    if (!config_.project.defaults.contains("kmsKey")) return;
    if (!registry_.find("KmsKey")) return;
    std::string address = "KmsKey/" + config_.project.defaults["kmsKey"].get<std::string>();
    if (!check_address(address, project_node_, "/spec/defaults/kmsKey", std::string(kProjectFile)))
      missing_defaults_.insert(address);  // resources that inherit it say nothing more
  }

  void check_resource(size_t i) {
    const Resource& r = config_.resources[i];
    const yaml::Node& node = nodes_[i];
    const Provider* provider = registry_.find(r.kind);
    const std::string& file = r.pos.file;
    DiagnosticSink sink = [&](const std::string& field, const std::string& message) {
      report(pos(file, schema::mark_at(node, field)), field_message(field, message));
    };
    std::vector<Reference> edges;
    try {
      provider->validate(r, config_, sink);
      edges = resource_edges(r, config_.project, registry_);
    } catch (const std::exception& e) {
      report(r.pos, r.address() + ": " + e.what());
      return;
    }
    for (const Reference& ref : edges) {
      if (!check_address(ref.address, node, ref.field, file)) continue;
      auto target = config_.by_address.find(ref.address);
      if (target != config_.by_address.end()) graph_edges_.push_back({i, target->second});
    }
  }

  void check_across_resources() {
    ConfigDiagnosticSink sink = [&](size_t i, const std::string& field,
                                    const std::string& message) {
      const Resource& r = config_.resources.at(i);
      report(pos(r.pos.file, schema::mark_at(nodes_[i], field)), field_message(field, message));
    };
    for (const std::string& kind : registry_.kinds()) {
      try {
        registry_.find(kind)->validate_all(config_, sink);
      } catch (const std::exception& e) {
        report(config_.project.pos, kind + ": " + e.what());
      }
    }
  }

  void check_cycles() {
    Graph& g = graph_;
    for (const Resource& r : config_.resources) g.add_node(r.address());
    for (auto [from, to] : graph_edges_)
      g.add_edge(config_.resources[from].address(), config_.resources[to].address());
    std::vector<std::string> cycle = g.find_cycle();
    if (cycle.empty()) return;
    report(config_.resources[config_.by_address.at(cycle.front())].pos, CycleError(cycle).what());
  }

 public:
  // The graph check_cycles() built: the same as build_graph(config).
  Graph take_graph() { return std::move(graph_); }

 private:
  const ConfigSource& source_;
  fs::path dir_;
  const ProviderRegistry& registry_;
  Graph graph_;
  std::vector<std::string> kinds_;  // the registry's and Project, sorted
  Config config_;
  // The parsed files, kept while loading so that any field of a resource
  // can be traced back to its line and column.
  std::vector<std::unique_ptr<yaml::Stream>> streams_;
  std::vector<yaml::Node> nodes_;  // parallel to config_.resources
  std::vector<Diagnostic> diagnostics_;
  // Every address written, valid or not, and where it first was.
  std::unordered_map<std::string, SourcePos> declared_;
  std::map<std::string, std::vector<std::string>> names_by_kind_;
  std::unordered_set<std::string> missing_defaults_;
  std::vector<std::pair<size_t, size_t>> graph_edges_;  // resource indexes
  bool project_only_ = false;
  bool project_seen_ = false;
  bool project_file_failed_ = false;
  SourcePos project_pos_;
  yaml::Node project_node_;
};

}  // namespace

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : ConfigError(sorted(std::move(diagnostics)), Sorted{}) {}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics, Sorted)
    : Error(join_lines(diagnostics)), diagnostics_(std::move(diagnostics)) {}

Config load_config(const fs::path& dir, const ProviderRegistry& registry, Graph* graph) {
  return load_config(*directory_source(dir), dir, registry, graph);
}

Config load_config(const ConfigSource& source, const fs::path& dir,
                   const ProviderRegistry& registry, Graph* graph) {
  Loader loader(source, dir, registry);
  Config config = loader.run();
  if (graph) *graph = loader.take_graph();
  return config;
}

Config load_project(const ConfigSource& source, const fs::path& dir) {
  static const ProviderRegistry kNoKinds;
  return Loader(source, dir, kNoKinds).run(/*project_only=*/true);
}

std::vector<Reference> resource_edges(const Resource& r, const Project& p,
                                      const ProviderRegistry& registry) {
  std::vector<Reference> edges;
  if (const Provider* provider = registry.find(r.kind)) edges = provider->references(r, p);
  for (size_t i = 0; i < r.depends_on.size(); ++i)
    edges.push_back(Reference{"/dependsOn/" + std::to_string(i), r.depends_on[i]});
  return edges;
}

Graph build_graph(const Config& config, const ProviderRegistry& registry) {
  Graph g;
  for (const Resource& r : config.resources) g.add_node(r.address());
  for (const Resource& r : config.resources)
    for (const Reference& ref : resource_edges(r, config.project, registry))
      if (config.find(ref.address)) g.add_edge(r.address(), ref.address);
  return g;
}

}  // namespace keyform
