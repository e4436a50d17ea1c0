#include "state/backend.h"

namespace keyform {

std::string LockInfo::str() const {
  std::string s = operation.empty() ? std::string("a run") : operation;
  s += " by " + (holder.empty() ? std::string("unknown") : holder);
  if (!host.empty()) s += "@" + host;
  s += " (pid " + std::to_string(pid) + ")";
  if (!since.empty()) s += " since " + since;
  s += ", lock id " + id;
  return s;
}

}  // namespace keyform
