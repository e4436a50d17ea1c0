#pragma once
// Small text helpers for messages.
#include <string>
#include <vector>

namespace keyform {

// "a, b, c" (empty items are kept, with no separator before the first
// non-empty one, as messages have always been built).
inline std::string comma_joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace keyform
