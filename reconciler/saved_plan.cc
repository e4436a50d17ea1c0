#include "reconciler/saved_plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "providers/provider.h"
#include "reconciler/render/plan_render.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {

using nlohmann::json;

PlanOptions SavedPlan::options() const {
  PlanOptions o;
  o.now = plan.now;
  o.targets = targets;
  o.replace = replace;
  return o;
}

std::string config_digest(const Config& config) {
  const Project& p = config.project;
  json project = {{"name", p.name},
                  {"account", p.account},
                  {"backend_type", p.backend_type},
                  {"backend_path", p.backend_path},
                  {"root_key_env", p.root_key_env},
                  {"root_key_file", p.root_key_file},
                  {"defaults", p.defaults}};
  std::vector<std::pair<std::string, const Resource*>> sorted;
  sorted.reserve(config.resources.size());
  for (const Resource& r : config.resources) sorted.emplace_back(r.address(), &r);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string text = "project " + project.dump() + "\n";
  for (const auto& [address, r] : sorted) {
    std::string digest;
    digest_resource(*r, &digest, nullptr);
    text += address + " " + digest + "\n";
  }
  return sha256_hex(text);
}

SavedPlan make_saved_plan(const Plan& plan, const Config& config, const PlanOptions& options) {
  SavedPlan s;
  s.plan = plan;
  s.config_digest = config_digest(config);
  s.targets = options.targets;
  s.replace = options.replace;
  return s;
}

std::string serialize_saved_plan(const SavedPlan& saved) {
  // The envelope keeps its keys in this order, so the version comes first
  // for anyone who opens the file; the plan inside is `plan --json` as is.
  nlohmann::ordered_json j;
  j["keyform_saved_plan"] = kSavedPlanFormatVersion;
  j["config_digest"] = saved.config_digest;
  if (!saved.commit.empty())
    j["config_commit"] = {{"sha", saved.commit}, {"dirty", saved.commit_dirty}};
  j["options"]["targets"] = saved.targets;
  j["options"]["replace"] = saved.replace;
  j["plan"] = nlohmann::ordered_json::parse(render_plan_json(saved.plan).dump());
  return j.dump(2) + "\n";
}

namespace {

// Reads fields of a parsed saved plan, naming the file and the field in
// every complaint.
class Reader {
 public:
  explicit Reader(const std::string& what) : what_(what) {}

  [[noreturn]] void malformed(const std::string& field, const std::string& expected) const {
    throw Error(what_ + ": malformed saved plan: " + field + ": expected " + expected);
  }

  const json& member(const json& obj, const std::string& key, const std::string& path) const {
    auto it = obj.find(key);
    if (it == obj.end()) throw Error(what_ + ": malformed saved plan: " + path + " is missing");
    return *it;
  }

  std::string string(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = member(obj, key, path);
    if (!v.is_string()) malformed(path, "a string");
    return v.get<std::string>();
  }

  std::vector<std::string> strings(const json& obj, const std::string& key,
                                   const std::string& path) const {
    const json& v = member(obj, key, path);
    if (!v.is_array()) malformed(path, "a list of strings");
    std::vector<std::string> out;
    for (const json& e : v) {
      if (!e.is_string()) malformed(path, "a list of strings");
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  const json& object(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = member(obj, key, path);
    if (!v.is_object()) malformed(path, "an object");
    return v;
  }

  uint64_t unsigned_number(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = member(obj, key, path);
    if (!v.is_number_unsigned()) malformed(path, "a non-negative integer");
    return v.get<uint64_t>();
  }

 private:
  const std::string& what_;
};

Plan plan_from_json(const json& j, const Reader& r, const std::string& what) {
  const uint64_t version = r.unsigned_number(j, "format_version", "plan.format_version");
  if (version != static_cast<uint64_t>(kPlanFormatVersion))
    throw Error(what + ": the plan inside has format_version " + std::to_string(version) +
                "; this keyform reads version " + std::to_string(kPlanFormatVersion) +
                (version > static_cast<uint64_t>(kPlanFormatVersion)
                     ? " (it was made by a newer keyform)"
                     : ""));
  Plan plan;
  plan.lineage = r.string(j, "lineage", "plan.lineage");
  plan.serial = r.unsigned_number(j, "serial", "plan.serial");
  std::string now = r.string(j, "now", "plan.now");
  auto t = parse_rfc3339(now);
  if (!t) r.malformed("plan.now", "an RFC 3339 time");
  plan.now = *t;
  plan.errors = r.strings(j, "errors", "plan.errors");
  const json& actions = r.member(j, "actions", "plan.actions");
  if (!actions.is_array()) r.malformed("plan.actions", "a list");
  for (size_t i = 0; i < actions.size(); ++i) {
    const std::string path = "plan.actions[" + std::to_string(i) + "]";
    const json& aj = actions[i];
    if (!aj.is_object()) r.malformed(path, "an object");
    Action a;
    a.id = r.string(aj, "id", path + ".id");
    a.address = r.string(aj, "address", path + ".address");
    std::string name = r.string(aj, "action", path + ".action");
    auto type = action_from_name(name);
    if (!type) r.malformed(path + ".action", "an action name (got \"" + name + "\")");
    a.type = *type;
    a.reasons = r.strings(aj, "reasons", path + ".reasons");
    a.after = r.strings(aj, "after", path + ".after");
    plan.actions.push_back(std::move(a));
  }
  return plan;
}

}  // namespace

SavedPlan parse_saved_plan(std::string_view text, const std::string& what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keyform_saved_plan"))
    throw Error(what + " is not a keyform saved plan (make one with `keyform plan -o FILE`)");
  const json& v = j["keyform_saved_plan"];
  if (!v.is_number_unsigned() || v.get<uint64_t>() == 0)
    throw Error(what + ": malformed saved plan: keyform_saved_plan: expected a version number");
  if (v.get<uint64_t>() != static_cast<uint64_t>(kSavedPlanFormatVersion))
    throw Error(what + " is a saved plan of format " + std::to_string(v.get<uint64_t>()) +
                ", made by a newer keyform; this one reads format " +
                std::to_string(kSavedPlanFormatVersion));
  Reader r(what);
  SavedPlan s;
  s.config_digest = r.string(j, "config_digest", "config_digest");
  if (j.contains("config_commit")) {  // absent: made outside git
    const json& c = r.object(j, "config_commit", "config_commit");
    s.commit = r.string(c, "sha", "config_commit.sha");
    const json& dirty = r.member(c, "dirty", "config_commit.dirty");
    if (!dirty.is_boolean()) r.malformed("config_commit.dirty", "true or false");
    s.commit_dirty = dirty.get<bool>();
  }
  const json& options = r.object(j, "options", "options");
  s.targets = r.strings(options, "targets", "options.targets");
  s.replace = r.strings(options, "replace", "options.replace");
  s.plan = plan_from_json(r.object(j, "plan", "plan"), r, what);
  return s;
}

void write_saved_plan(const std::filesystem::path& path, const SavedPlan& saved) {
  write_file_durable(path, serialize_saved_plan(saved), 0600);
}

SavedPlan read_saved_plan(const std::filesystem::path& path) {
  return parse_saved_plan(read_file(path), path.string());
}

void check_saved_plan_current(const SavedPlan& saved, const State& state, const Config& config) {
  if (saved.plan.lineage != state.lineage)
    throw Error("saved plan is for another state: it was made from lineage " + saved.plan.lineage +
                ", this state has lineage " + state.lineage);
  if (saved.plan.serial != state.serial)
    throw Error("saved plan is stale: the state moved from serial " +
                std::to_string(saved.plan.serial) + " to " + std::to_string(state.serial) +
                " since it was made; plan again");
  if (saved.config_digest != config_digest(config))
    throw Error(
        "saved plan is stale: the configuration changed since the plan was made; plan again");
}

void check_saved_plan_commit(const SavedPlan& saved, const std::string& commit) {
  if (saved.commit == commit) return;
  auto named = [](const std::string& sha) {
    return sha.empty() ? std::string("no git commit") : "commit " + sha.substr(0, 7);
  };
  throw Error("saved plan is stale: it was made from " + named(saved.commit) +
              ", the configuration now comes from " + named(commit) + "; plan again");
}

void check_same_actions(const Plan& saved, const Plan& remade) {
  const std::string refuse = "saved plan does not match what keyform would do now: ";
  const size_t n = std::min(saved.actions.size(), remade.actions.size());
  for (size_t i = 0; i < n; ++i) {
    const Action& s = saved.actions[i];
    const Action& m = remade.actions[i];
    if (s.address != m.address)
      throw Error(refuse + "action " + std::to_string(i + 1) + " is " + s.address +
                  " in the file but " + m.address + " in a new plan; plan again");
    if (s.type != m.type)
      throw Error(refuse + s.address + " is " + std::string(action_name(s.type)) +
                  " in the file but " + std::string(action_name(m.type)) +
                  " in a new plan; plan again");
    if (s.id != m.id)
      throw Error(refuse + s.address + " has action id " + s.id + " in the file but " + m.id +
                  " in a new plan; plan again");
  }
  if (saved.actions.size() != remade.actions.size())
    throw Error(refuse + "the file holds " + std::to_string(saved.actions.size()) +
                " actions, a new plan " + std::to_string(remade.actions.size()) + "; plan again");
}

}  // namespace keyform
