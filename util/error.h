#pragma once
// The error model: library code throws keyform::Error (or a subclass) with a
// message fit for a user; the CLI catches once, prints "keyform: error: ..."
// and maps the type to an exit code. Messages never contain secret material.
#include <stdexcept>
#include <string>

namespace keyform {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The state is locked by another run (exit code 3).
class LockedError : public Error {
 public:
  using Error::Error;
};

}  // namespace keyform
