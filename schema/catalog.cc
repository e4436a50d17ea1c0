#include "schema/catalog.h"

#include <map>
#include <memory>

#include "schema/embedded.h"
#include "util/error.h"

namespace keyform::schema {

using nlohmann::json;

namespace {

// Replaces {"$ref": "#/...", ...siblings} with the referenced schema, the
// siblings (a description, a default) taking precedence.
json resolve_refs(const json& node, const json& root, int depth) {
  if (depth > 32) throw Error("schema $refs nest too deeply (a $ref cycle?)");
  if (node.is_array()) {
    json out = json::array();
    for (const json& v : node) out.push_back(resolve_refs(v, root, depth));
    return out;
  }
  if (!node.is_object()) return node;
  json out = json::object();
  if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
    const std::string& target = ref->get_ref<const std::string&>();
    if (target.rfind("#/", 0) != 0) throw Error("schema $ref " + target + " is not local");
    json::json_pointer ptr(target.substr(1));
    if (!root.contains(ptr)) throw Error("schema $ref " + target + " names nothing");
    out = resolve_refs(root.at(ptr), root, depth + 1);
  }
  for (const auto& [k, v] : node.items()) {
    if (k == "$ref" || k == "$defs") continue;
    out[k] = resolve_refs(v, root, depth);
  }
  return out;
}

struct Catalog {
  std::map<std::string, json, std::less<>> parsed;
  std::map<std::string, std::unique_ptr<CompiledSchema>, std::less<>> compiled;
  std::map<std::string, std::string_view, std::less<>> text;
};

const Catalog& catalog() {
  static const Catalog c = [] {
    Catalog c;
    for (const EmbeddedSchema& s : embedded_schemas()) {
      json doc;
      try {
        doc = json::parse(s.text);
      } catch (const json::exception& e) {
        throw Error("embedded schema " + std::string(s.kind) + " is malformed: " + e.what());
      }
      json resolved = resolve_refs(doc, doc, 0);
      c.compiled.emplace(std::string(s.kind), std::make_unique<CompiledSchema>(resolved));
      c.parsed.emplace(std::string(s.kind), std::move(resolved));
      c.text.emplace(std::string(s.kind), s.text);
    }
    return c;
  }();
  return c;
}

}  // namespace

const json* schema_for(std::string_view kind) {
  const auto& parsed = catalog().parsed;
  auto it = parsed.find(kind);
  return it == parsed.end() ? nullptr : &it->second;
}

const CompiledSchema* compiled_schema_for(std::string_view kind) {
  const auto& compiled = catalog().compiled;
  auto it = compiled.find(kind);
  return it == compiled.end() ? nullptr : it->second.get();
}

std::vector<std::string> schema_kinds() {
  std::vector<std::string> out;
  for (const auto& [k, _] : catalog().parsed) out.push_back(k);
  return out;
}

std::string_view schema_text(std::string_view kind) {
  const auto& text = catalog().text;
  auto it = text.find(kind);
  return it == text.end() ? std::string_view() : it->second;
}

}  // namespace keyform::schema
