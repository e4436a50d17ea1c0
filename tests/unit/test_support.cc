#include "tests/unit/test_support.h"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>

namespace keyform::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyform-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& rel, const std::string& text) const {
  std::filesystem::path p = path_ / rel;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace keyform::testing
