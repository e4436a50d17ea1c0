#include "state/state.h"

#include <string_view>

#include "util/error.h"

namespace keyform {

namespace {

using nlohmann::json;

// Reads fields of one JSON object, naming the field (with `where` as its
// path) in every error. Missing optional fields keep the default.
class Fields {
 public:
  Fields(const json& j, std::string where) : j_(j), where_(std::move(where)) {
    if (!j_.is_object()) throw Error(where_ + ": expected an object, got " + j_.type_name());
  }

  const json* find(std::string_view key) const {
    auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }

  const json& require(std::string_view key) const {
    const json* v = find(key);
    if (!v) throw Error(where_ + ": missing field \"" + std::string(key) + "\"");
    return *v;
  }

  std::string path(std::string_view key) const {
    return where_.empty() ? std::string(key) : where_ + "." + std::string(key);
  }

  void string(std::string_view key, std::string& out, bool required = false) const {
    const json* v = required ? &require(key) : find(key);
    if (!v) return;
    if (!v->is_string()) throw Error(path(key) + ": expected a string, got " + v->type_name());
    out = v->get<std::string>();
  }

  void boolean(std::string_view key, bool& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_boolean())
      throw Error(path(key) + ": expected true or false, got " + v->type_name());
    out = v->get<bool>();
  }

  void int64(std::string_view key, int64_t& out, bool required = false) const {
    const json* v = required ? &require(key) : find(key);
    if (!v) return;
    if (!v->is_number_integer())
      throw Error(path(key) + ": expected an integer, got " + v->type_name());
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      throw Error(path(key) + ": integer out of range");
    out = v->get<int64_t>();
  }

  void uint64(std::string_view key, uint64_t& out, bool required = false) const {
    const json* v = required ? &require(key) : find(key);
    if (!v) return;
    if (!v->is_number_integer() || (!v->is_number_unsigned() && v->get<int64_t>() < 0))
      throw Error(path(key) + ": expected a non-negative integer, got " + describe(*v));
    out = v->get<uint64_t>();
  }

  void string_map(std::string_view key, std::map<std::string, std::string>& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_object()) throw Error(path(key) + ": expected an object, got " + v->type_name());
    out.clear();
    for (const auto& [k, val] : v->items()) {
      if (!val.is_string())
        throw Error(path(key) + "." + k + ": expected a string, got " + val.type_name());
      out.emplace(k, val.get<std::string>());
    }
  }

  void string_list(std::string_view key, std::vector<std::string>& out) const {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_array()) throw Error(path(key) + ": expected an array, got " + v->type_name());
    out.clear();
    for (size_t i = 0; i < v->size(); ++i) {
      const json& e = (*v)[i];
      if (!e.is_string())
        throw Error(path(key) + "[" + std::to_string(i) + "]: expected a string, got " +
                    e.type_name());
      out.push_back(e.get<std::string>());
    }
  }

 private:
  static std::string describe(const json& v) {
    return v.is_number_integer() ? "a negative integer" : std::string(v.type_name());
  }

  const json& j_;
  std::string where_;
};

// `j` is read; with `movable` (the same value, owned by the caller), the
// attributes are moved out of it instead of copied.
RecordedResource recorded_from_json_at(const json& j, const std::string& where,
                                       json* movable = nullptr) {
  Fields f(j, where);
  RecordedResource r;
  f.string("kind", r.kind, /*required=*/true);
  f.string("name", r.name, /*required=*/true);
  if (r.kind.empty()) throw Error(f.path("kind") + ": must not be empty");
  if (r.name.empty()) throw Error(f.path("name") + ": must not be empty");
  f.string("spec_digest", r.spec_digest);
  f.string_map("field_digests", r.field_digests);
  f.boolean("deletion_protection", r.deletion_protection);
  if (const json* a = f.find("attributes")) {
    if (!a->is_object())
      throw Error(f.path("attributes") + ": expected an object, got " + a->type_name());
    r.attributes = movable ? std::move((*movable)["attributes"]) : *a;
  }
  f.string_map("objects", r.objects);
  f.string_list("dependencies", r.dependencies);
  f.string("last_action_id", r.last_action_id);
  f.int64("updated_at", r.updated_at);
  return r;
}

}  // namespace

nlohmann::json to_json(const RecordedResource& r) {
  return json{
      {"kind", r.kind},
      {"name", r.name},
      {"spec_digest", r.spec_digest},
      {"field_digests", r.field_digests},
      {"deletion_protection", r.deletion_protection},
      {"attributes", r.attributes},
      {"objects", r.objects},
      {"dependencies", r.dependencies},
      {"last_action_id", r.last_action_id},
      {"updated_at", r.updated_at},
  };
}

RecordedResource recorded_from_json(const nlohmann::json& j) {
  return recorded_from_json_at(j, "resource");
}

nlohmann::json to_json(const State& s) {
  json resources = json::object();
  for (const auto& [address, r] : s.resources) resources[address] = to_json(r);
  json out{
      {"format_version", s.format_version},
      {"lineage", s.lineage},
      {"serial", s.serial},
      {"git_commit", s.git_commit},
      {"git_author", s.git_author},
      {"git_commit_time", s.git_commit_time},
      {"git_dirty", s.git_dirty},
      {"root_key_check", s.root_key_check},
      {"resources", std::move(resources)},
  };
  // Written only once made, so states without a seal key read as before.
  if (!s.seal_public_key.empty()) {
    out["seal_public_key"] = s.seal_public_key;
    out["seal_key_object"] = s.seal_key_object;
  }
  return out;
}

State state_from_json(const nlohmann::json& j) { return state_from_json(nlohmann::json(j)); }

State state_from_json(nlohmann::json&& j) {
  Fields f(j, "state");
  State s;
  int64_t version = 0;
  f.int64("format_version", version, /*required=*/true);
  if (version > kStateFormatVersion)
    throw Error("state format_version " + std::to_string(version) +
                " was written by a newer keyform (this one reads up to version " +
                std::to_string(kStateFormatVersion) + "); upgrade keyform");
  if (version < 1) throw Error("state.format_version: must be at least 1");
  s.format_version = static_cast<int>(version);
  f.string("lineage", s.lineage);
  f.uint64("serial", s.serial, /*required=*/true);
  f.string("git_commit", s.git_commit);
  f.string("git_author", s.git_author);
  f.int64("git_commit_time", s.git_commit_time);
  f.boolean("git_dirty", s.git_dirty);
  f.string("root_key_check", s.root_key_check);
  f.string("seal_public_key", s.seal_public_key);
  f.string("seal_key_object", s.seal_key_object);
  if (f.find("resources")) {
    json& res = j["resources"];
    if (!res.is_object())
      throw Error("state.resources: expected an object, got " + std::string(res.type_name()));
    // A snapshot of 10,000 entries is mostly attributes: they are moved, not
    // copied, and the entries arrive sorted, so each insertion is at the end.
    for (auto& [address, entry] : res.items()) {
      std::string where = "state.resources[\"" + address + "\"]";
      RecordedResource r = recorded_from_json_at(entry, where, &entry);
      if (r.address() != address)
        throw Error(where + ": kind and name say " + r.address() + ", not " + address);
      s.resources.put_last(address, std::move(r));
    }
  }
  return s;
}

}  // namespace keyform
