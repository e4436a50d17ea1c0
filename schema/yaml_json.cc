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

json infer_scalar(const yaml::Node& n) {
  if (auto b = yaml::plain_boolean(n)) return *b;
  if (auto i = yaml::plain_integer(n)) return *i;
  if (auto d = yaml::plain_number(n)) return *d;
  return std::string(n.scalar());
}

// The scalar as the most specific of `types` it reads as, or nullopt.
std::optional<json> typed_scalar(const yaml::Node& n, uint8_t types) {
  if (types & kBoolean)
    if (auto b = yaml::plain_boolean(n)) return *b;
  if (types & kInteger)
    if (auto i = yaml::plain_integer(n)) return *i;
  if (types & kNumber)
    if (auto d = yaml::plain_number(n)) return *d;
  if (types & kString) return std::string(n.scalar());
  return std::nullopt;
}

class Converter {
 public:
  explicit Converter(const CompiledSchema& schema) : schema_(schema) {}

  json convert(const yaml::Node& n, const Rule& r, int depth) {
    if (budget_-- == 0)
      throw Error("document too large (over " + std::to_string(kMaxDocumentNodes) +
                  " nodes, counting each use of an alias)");
    if (depth > yaml::kMaxNestingDepth)
      throw Error("document nested too deeply (over " + std::to_string(yaml::kMaxNestingDepth) +
                  " levels)");
    for (const std::vector<int>* branches : {&r.one_of, &r.any_of}) {
      for (int b : *branches) {
        const Rule& branch = schema_.rule(b);
        if (!validate(n, schema_, branch).empty()) continue;
        if (branch.shapes) return convert(n, branch, depth);
        break;  // a branch that only constrains, like {"required": [...]}
      }
    }
    switch (n.type()) {
      case yaml::NodeType::kNull:
        return nullptr;
      case yaml::NodeType::kScalar:
        if (auto v = typed_scalar(n, r.types)) return *v;
        return infer_scalar(n);
      case yaml::NodeType::kSequence: {
        json out = json::array();
        for (size_t i = 0; i < n.size(); ++i)
          out.push_back(
              convert(n.item(i), r.items >= 0 ? schema_.rule(r.items) : kAnything, depth + 1));
        return out;
      }
      case yaml::NodeType::kMapping: {
        json out = json::object();
        for (size_t i = 0; i < n.size(); ++i) {
          std::string_view key = n.key(i).scalar();
          int p = r.property(key);
          if (p < 0) p = r.additional;
          out[std::string(key)] =
              convert(n.value(i), p >= 0 ? schema_.rule(p) : kAnything, depth + 1);
        }
        return out;
      }
    }
    return nullptr;
  }

 private:
  static inline const Rule kAnything{};
  const CompiledSchema& schema_;
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

json to_json(const yaml::Node& n, const CompiledSchema& schema) {
  return Converter(schema).convert(n, schema.root(), 0);
}

json to_json(const yaml::Node& n, const json& schema) { return to_json(n, CompiledSchema(schema)); }

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
