#pragma once
// A JSON Schema read once into rules the validator and the converter walk
// without looking keywords up by name: loading 10,000 documents spends its
// time on the documents, not on the schema. Patterns are compiled here.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace keyform::schema {

// Type bits of Rule::types.
enum TypeBit : uint8_t {
  kObject = 1,
  kArray = 2,
  kString = 4,
  kInteger = 8,
  kNumber = 16,
  kBoolean = 32,
  kNull = 64,
};

// One schema object. Indexes refer to CompiledSchema::rule(); -1 is none.
struct Rule {
  bool never = false;                            // the schema `false`
  uint8_t types = 0;                             // 0: any type
  const nlohmann::json* type_keyword = nullptr;  // as written, for messages
  const nlohmann::json* const_value = nullptr;
  const nlohmann::json* enum_values = nullptr;  // an array
  std::vector<std::string> enum_names;          // for suggestions
  bool duration = false;                        // format: duration
  std::optional<std::regex> pattern;
  std::string pattern_text, pattern_message;
  std::optional<size_t> min_length, max_length, min_items, max_items;
  const nlohmann::json* minimum = nullptr;
  const nlohmann::json* maximum = nullptr;
  int items = -1;
  std::vector<std::pair<std::string, int>> properties;  // sorted by name
  std::vector<std::string> property_names;
  int additional = -1;  // additionalProperties as a schema
  bool closed = false;  // additionalProperties: false
  // unknownPropertyMessages (keyform's own keyword): what to say about a
  // field that is not allowed here but is a likely mistake, by its name.
  std::vector<std::pair<std::string, std::string>> unknown_property_messages;
  std::vector<std::string> required;
  std::vector<int> any_of, one_of;
  int not_rule = -1;
  // Says only which fields must be present: {"required": [...]}.
  bool only_required = false;
  // Says what the node's parts are: type, properties, items, ...; the
  // converter follows such a branch of oneOf/anyOf.
  bool shapes = false;

  int property(std::string_view name) const {
    for (const auto& [n, i] : properties)
      if (n == name) return i;
    return -1;
  }
};

class CompiledSchema {
 public:
  // Copies `schema`. Throws keyform::Error for an invalid pattern or a
  // "$ref" (resolve those first: schema/catalog.h does).
  explicit CompiledSchema(const nlohmann::json& schema);
  CompiledSchema(const CompiledSchema&) = delete;
  CompiledSchema& operator=(const CompiledSchema&) = delete;

  const Rule& root() const { return rules_[0]; }
  const Rule& rule(int i) const { return rules_[static_cast<size_t>(i)]; }

 private:
  int add(const nlohmann::json& s);
  nlohmann::json source_;
  std::vector<Rule> rules_;
};

}  // namespace keyform::schema
