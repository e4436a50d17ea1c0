#include "reconciler/config/resource.h"

namespace keyform {

std::string SourcePos::str() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(column);
  return s;
}

bool split_address(const std::string& address, std::string* kind, std::string* name) {
  size_t slash = address.find('/');
  if (slash == std::string::npos) return false;
  *kind = address.substr(0, slash);
  *name = address.substr(slash + 1);
  return true;
}

}  // namespace keyform
