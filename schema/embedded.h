#pragma once
// The JSON Schemas of schema/*.schema.json, compiled into the binary.
#include <string_view>
#include <vector>

namespace keyform::schema {

struct EmbeddedSchema {
  std::string_view kind;  // file name without .schema.json, e.g. "Certificate"
  std::string_view text;  // the JSON text
};

const std::vector<EmbeddedSchema>& embedded_schemas();

}  // namespace keyform::schema
