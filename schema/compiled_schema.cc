#include "schema/compiled_schema.h"

#include "util/error.h"

namespace keyform::schema {

using nlohmann::json;

namespace {

uint8_t type_bit(const std::string& t) {
  if (t == "object") return kObject;
  if (t == "array") return kArray;
  if (t == "string") return kString;
  if (t == "integer") return kInteger;
  if (t == "number") return kNumber;
  if (t == "boolean") return kBoolean;
  if (t == "null") return kNull;
  throw Error("unknown type \"" + t + "\" in schema");
}

std::string show(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

CompiledSchema::CompiledSchema(const json& schema) : source_(schema) { add(source_); }

int CompiledSchema::add(const json& s) {
  int index = static_cast<int>(rules_.size());
  rules_.emplace_back();
  Rule r;
  if (s.is_boolean()) {
    r.never = !s.get<bool>();
    rules_[static_cast<size_t>(index)] = std::move(r);
    return index;
  }
  if (!s.is_object()) return index;  // anything
  if (s.contains("$ref")) throw Error("unresolved $ref in schema: " + s["$ref"].dump());

  if (auto it = s.find("type"); it != s.end()) {
    r.type_keyword = &*it;
    if (it->is_string()) {
      r.types = type_bit(it->get<std::string>());
    } else {
      for (const json& t : *it) r.types |= type_bit(t.get<std::string>());
    }
  }
  if (auto it = s.find("const"); it != s.end()) r.const_value = &*it;
  if (auto it = s.find("enum"); it != s.end() && it->is_array()) {
    r.enum_values = &*it;
    for (const json& v : *it) r.enum_names.push_back(show(v));
  }
  if (auto it = s.find("format"); it != s.end()) r.duration = *it == "duration";
  if (auto it = s.find("pattern"); it != s.end() && it->is_string()) {
    r.pattern_text = it->get<std::string>();
    try {
      // ECMA-262, as JSON Schema defines patterns; unanchored, like regex_search.
      r.pattern.emplace(r.pattern_text, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      throw Error("invalid pattern in schema: " + r.pattern_text + ": " + e.what());
    }
    r.pattern_message = s.value("patternErrorMessage", "");
  }
  auto size = [&](const char* key) -> std::optional<size_t> {
    auto it = s.find(key);
    if (it == s.end()) return std::nullopt;
    return it->get<size_t>();
  };
  r.min_length = size("minLength");
  r.max_length = size("maxLength");
  r.min_items = size("minItems");
  r.max_items = size("maxItems");
  if (auto it = s.find("minimum"); it != s.end()) r.minimum = &*it;
  if (auto it = s.find("maximum"); it != s.end()) r.maximum = &*it;
  if (auto it = s.find("required"); it != s.end() && it->is_array())
    for (const json& f : *it) r.required.push_back(f.get<std::string>());
  r.only_required = s.size() == 1 && !r.required.empty();
  if (auto it = s.find("additionalProperties"); it != s.end()) {
    if (it->is_boolean())
      r.closed = !it->get<bool>();
    else
      r.additional = add(*it);
  }
  if (auto it = s.find("unknownPropertyMessages"); it != s.end())
    for (const auto& [name, message] : it->items())
      r.unknown_property_messages.emplace_back(name, message.get<std::string>());
  if (auto it = s.find("properties"); it != s.end()) {
    for (const auto& [name, sub] : it->items()) {
      r.properties.emplace_back(name, add(sub));
      r.property_names.push_back(name);
    }
  }
  if (auto it = s.find("items"); it != s.end()) r.items = add(*it);
  if (auto it = s.find("anyOf"); it != s.end())
    for (const json& b : *it) r.any_of.push_back(add(b));
  if (auto it = s.find("oneOf"); it != s.end())
    for (const json& b : *it) r.one_of.push_back(add(b));
  if (auto it = s.find("not"); it != s.end()) r.not_rule = add(*it);
  r.shapes = r.types || !r.properties.empty() || r.items >= 0 || r.additional >= 0 ||
             !r.any_of.empty() || !r.one_of.empty();
  rules_[static_cast<size_t>(index)] = std::move(r);
  return index;
}

}  // namespace keyform::schema
