#pragma once
// The snapshot file (state.json): one header line, then the state as JSON.
//
//   keyform-state v1 sha256=<hex of the rest> length=<bytes of the rest>\n
//   { ...state JSON, indent 1... }\n
//
// The header makes a flipped byte, a truncation or a hand edit a clear error
// naming the file, rather than a state that parses into something else.
#include <string>
#include <string_view>

#include "state/state.h"

namespace keyform {

std::string encode_snapshot(const State& state);
// Throws keyform::Error naming `name` (the file) when the header is missing,
// the length or checksum does not match, or the JSON is not a state.
State decode_snapshot(std::string_view bytes, const std::string& name);

}  // namespace keyform
