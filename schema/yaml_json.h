#pragma once
// From a validated YAML document to the JSON the rest of keyform works with,
// and from a JSON pointer back to where the user wrote it.
#include <nlohmann/json.hpp>
#include <string_view>

#include "schema/compiled_schema.h"
#include "schema/yaml_document.h"

namespace keyform::schema {

// Converts `n` to JSON, typed by `schema`: a scalar becomes an integer,
// number or boolean where the schema says so (`pathLength: 1` -> 1,
// `enabled: false` -> false) and a string otherwise; where the schema says
// nothing, plain scalars are read by the YAML 1.2 core schema. oneOf/anyOf
// use the first alternative the node satisfies. Defaults are not filled in.
// Throws keyform::Error "document too large" past kMaxDocumentNodes nodes
// (an alias counted each time it is reached) or past 64 levels of nesting.
nlohmann::json to_json(const yaml::Node& n, const CompiledSchema& schema);
// The same, compiling `schema` first: for one-off use.
nlohmann::json to_json(const yaml::Node& n, const nlohmann::json& schema);

// Where the field at a JSON pointer was written: a scalar's own position; a
// mapping's or an empty value's key; when the pointer names a field that is
// absent, the deepest field on its path that is present.
yaml::Mark mark_at(const yaml::Node& doc, std::string_view pointer);

}  // namespace keyform::schema
