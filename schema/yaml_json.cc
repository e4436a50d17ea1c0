#include "schema/yaml_json.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "schema/validator.h"
#include "util/error.h"

namespace keyform::schema {

using nlohmann::json;

namespace {

constexpr int kMaxDepth = 64;

json infer_scalar(const yaml::Node& n) {
  if (auto b = yaml::plain_boolean(n)) return *b;
  if (auto i = yaml::plain_integer(n)) return *i;
  if (auto d = yaml::plain_number(n)) return *d;
  return std::string(n.scalar());
}

// The scalar as `type`, or nullopt when it does not read as one.
std::optional<json> typed_scalar(const yaml::Node& n, std::string_view type) {
  if (type == "string") return std::string(n.scalar());
  if (type == "integer") {
    if (auto i = yaml::plain_integer(n)) return *i;
  } else if (type == "number") {
    if (auto d = yaml::plain_number(n)) return *d;
  } else if (type == "boolean") {
    if (auto b = yaml::plain_boolean(n)) return *b;
  }
  return std::nullopt;
}

// Whether a schema says what types a node's parts have.
bool shapes(const json& s) {
  return s.is_object() && (s.contains("type") || s.contains("properties") || s.contains("items") ||
                           s.contains("additionalProperties") || s.contains("oneOf") ||
                           s.contains("anyOf"));
}

class Converter {
 public:
  json convert(const yaml::Node& n, const json& s, int depth) {
    if (budget_-- == 0)
      throw Error("document too large (over " + std::to_string(kMaxDocumentNodes) +
                  " nodes, counting each use of an alias)");
    if (depth > kMaxDepth)
      throw Error("document nested too deeply (over " + std::to_string(kMaxDepth) + " levels)");
    static const json kAnything = json::object();
    const json& schema = s.is_object() ? s : kAnything;
    for (const char* combinator : {"oneOf", "anyOf"}) {
      auto it = schema.find(combinator);
      if (it == schema.end() || !it->is_array()) continue;
      for (const json& branch : *it) {
        if (!validate(n, branch).empty()) continue;
        if (shapes(branch)) return convert(n, branch, depth);
        break;  // a branch that only constrains, like {"required": [...]}
      }
    }
    switch (n.type()) {
      case yaml::NodeType::kNull:
        return nullptr;
      case yaml::NodeType::kScalar: {
        auto t = schema.find("type");
        if (t != schema.end() && t->is_string()) {
          if (auto v = typed_scalar(n, t->get_ref<const std::string&>())) return *v;
        } else if (t != schema.end() && t->is_array()) {
          // Of the types allowed, the most specific one the scalar reads as.
          for (const char* one : {"boolean", "integer", "number", "string"}) {
            if (std::find(t->begin(), t->end(), one) == t->end()) continue;
            if (auto v = typed_scalar(n, one)) return *v;
          }
        }
        return infer_scalar(n);
      }
      case yaml::NodeType::kSequence: {
        auto items = schema.find("items");
        const json& item_schema = items != schema.end() ? *items : kAnything;
        json out = json::array();
        for (size_t i = 0; i < n.size(); ++i) out.push_back(convert(n.item(i), item_schema, depth + 1));
        return out;
      }
      case yaml::NodeType::kMapping: {
        auto props = schema.find("properties");
        auto extra = schema.find("additionalProperties");
        json out = json::object();
        for (size_t i = 0; i < n.size(); ++i) {
          std::string key(n.key(i).scalar());
          const json* child = &kAnything;
          if (props != schema.end() && props->contains(key))
            child = &(*props)[key];
          else if (extra != schema.end() && extra->is_object())
            child = &*extra;
          out[key] = convert(n.value(i), *child, depth + 1);
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  size_t budget_ = kMaxDocumentNodes;
};

std::string unescape(std::string_view token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

}  // namespace

json to_json(const yaml::Node& n, const json& schema) { return Converter().convert(n, schema, 0); }

yaml::Mark mark_at(const yaml::Node& doc, std::string_view pointer) {
  yaml::Node node = doc;
  yaml::Mark entry_mark;  // the key (or item) through which `node` was reached
  size_t i = 0;
  while (i < pointer.size() && pointer[i] == '/') {
    size_t end = pointer.find('/', i + 1);
    if (end == std::string_view::npos) end = pointer.size();
    std::string token = unescape(pointer.substr(i + 1, end - i - 1));
    yaml::Node next;
    yaml::Mark next_mark;
    if (node.is_mapping()) {
      for (size_t k = 0; k < node.size(); ++k) {
        yaml::Node key = node.key(k);
        if (key.is_scalar() && key.scalar() == token) {
          next = node.value(k);
          next_mark = key.mark();
          break;
        }
      }
    } else if (node.is_sequence()) {
      size_t index = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), index);
      if (ec == std::errc() && p == token.data() + token.size() && index < node.size()) {
        next = node.item(index);
        next_mark = next.mark();
      }
    }
    if (!next.valid()) break;
    node = next;
    entry_mark = next_mark;
    i = end;
  }
  if (node.is_scalar() || entry_mark.line == 0) return node.mark();
  return entry_mark;
}

}  // namespace keyform::schema
