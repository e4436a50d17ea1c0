#pragma once
// The JSON Schema of every kind, from the copies embedded at build time
// (schema/embedded.h). Parsed once, on first use; thread-safe.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "schema/compiled_schema.h"

namespace keyform::schema {

// The parsed schema of `kind`, with its local "$ref"s ("#/$defs/...")
// resolved so schema/validator.h can use it; nullptr for an unknown kind.
// The pointer stays valid for the life of the process.
const nlohmann::json* schema_for(std::string_view kind);

// The same schema compiled for schema/validator.h and schema/yaml_json.h.
const CompiledSchema* compiled_schema_for(std::string_view kind);

// Every kind with a schema, sorted.
std::vector<std::string> schema_kinds();

// The schema as written in schema/<Kind>.schema.json, for `keyform schema
// KIND`; "" for an unknown kind.
std::string_view schema_text(std::string_view kind);

}  // namespace keyform::schema
