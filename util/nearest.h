#pragma once
// "Did you mean ...?" suggestions for misspelt names.
#include <string>
#include <string_view>
#include <vector>

namespace keyform {

size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if it is close enough to be a likely typo
// (distance at most a third of the longer name, and at most 3); else "".
std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean \"x\"?)" or "".
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace keyform
