#pragma once
// Terminal styling: ANSI colours when writing to a terminal, unless
// --no-color or NO_COLOR says otherwise.
#include <string>
#include <string_view>

namespace keyform {

struct Style {
  bool color = false;
  std::string bold(std::string_view s) const { return wrap("1", s); }
  std::string green(std::string_view s) const { return wrap("32", s); }
  std::string yellow(std::string_view s) const { return wrap("33", s); }
  std::string red(std::string_view s) const { return wrap("31", s); }
  std::string dim(std::string_view s) const { return wrap("2", s); }

 private:
  std::string wrap(const char* code, std::string_view s) const {
    if (!color) return std::string(s);
    return std::string("\033[") + code + "m" + std::string(s) + "\033[0m";
  }
};

}  // namespace keyform
