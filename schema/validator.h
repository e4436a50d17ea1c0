#pragma once
// Validates a YAML document against a JSON Schema (schema/*.schema.json).
//
// The subset keyform's schemas use: type (object, array, string, integer,
// number, boolean, null, or a list of them), properties, required,
// additionalProperties (false or a schema), enum, const, pattern (with the
// editors' patternErrorMessage), minLength/maxLength (in characters),
// keyform's unknownPropertyMessages (beside additionalProperties: false,
// what to say about a likely misplaced field, e.g. a Certificate's
// signingAlgorithm),
// minimum/maximum, minItems/maxItems, items, oneOf/anyOf, not, and format
// "duration" (util/time.h's parse_duration). Other keywords (description,
// default, $id, ...) are ignored; local "$ref"s must be resolved beforehand
// (schema/catalog.h does it, and holds each kind's CompiledSchema).
//
// YAML scalars are text, so: "string" accepts any scalar, "integer" a plain
// scalar that reads as one (`1`, not `"1"`), "boolean" a plain true/false.
// Duplicate keys in a mapping are errors. One error is reported per value:
// the first of type, const/enum, format, length, pattern, range. A pattern
// is matched against at most 1,024 bytes (std::regex recurses per byte).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "schema/compiled_schema.h"
#include "schema/yaml_document.h"

namespace keyform::schema {

// At most this many nodes are visited per document, an alias counted each
// time it is reached: the bound that makes alias bombs harmless.
inline constexpr size_t kMaxDocumentNodes = 1'000'000;

struct SchemaError {
  yaml::Mark mark;      // where to point the user
  std::string pointer;  // JSON pointer of the field, e.g. "/spec/dnsNames/2"
  // Says what was expected, naming the field:
  //   spec.validity: expected a duration like 90d, 12h, 1y (got "ninety days")
  //   unknown field "dnsName" in spec (did you mean "dnsNames"?)
  std::string message;
};

// Errors in the order found; empty when `doc` is valid. Thread-safe.
std::vector<SchemaError> validate(const yaml::Node& doc, const CompiledSchema& schema);
// Against one rule of `schema`, such as a oneOf branch.
std::vector<SchemaError> validate(const yaml::Node& doc, const CompiledSchema& schema,
                                  const Rule& rule);
// The same, compiling `schema` first: for one-off use.
std::vector<SchemaError> validate(const yaml::Node& doc, const nlohmann::json& schema);

// How a JSON pointer reads in messages: "/spec/files/0/path" ->
// "spec.files[0].path"; "" for the document itself.
std::string field_path(std::string_view pointer);

// Appends one reference token to a JSON pointer, escaping '~' and '/'.
void append_pointer(std::string* pointer, std::string_view token);

}  // namespace keyform::schema
