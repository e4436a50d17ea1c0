#pragma once
// What a Secret's value is made of (spec.value): generate, fields,
// certificate or sealed, and drawing generated values from the OS CSPRNG.
//
// A version's plaintext is the value itself for `generate` and `sealed`,
// and compact JSON (sorted keys) for `fields` and `certificate`, so a
// `field:NAME` reads one member of it.
#include <nlohmann/json.hpp>
#include <string>

#include "providers/provider.h"
#include "util/secret_bytes.h"

namespace keyform::secrets {

// "generate", "fields", "certificate" or "sealed"; "" when spec.value holds
// none or more than one (validate_value reports it).
std::string value_source(const nlohmann::json& spec);

// Checks beyond the schema: exactly one source; a generate block whose
// exclusions leave enough characters (and every class, if required).
void validate_value(const nlohmann::json& spec, const DiagnosticSink& error);

// Whether rotating can produce a new value (generate, or fields with at
// least one generated field).
bool regenerable(const nlohmann::json& spec);

// A value drawn for a `generate` block. Throws on an impossible block.
SecretBytes generate_value(const nlohmann::json& generate);

// The JSON object of a `fields` value: literals as written, generated
// fields drawn afresh.
SecretBytes fields_value(const nlohmann::json& fields);

}  // namespace keyform::secrets
