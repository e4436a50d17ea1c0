// libFuzzer target: config loading, schema validation and reference
// resolution (load_config), on one keyform.yaml and one resource file
// written to a temporary directory.
//
// The input is keyform.yaml's text, the separator line kSeparator, then the
// resource file's text. Without the separator, the whole input is the
// resource file beside a minimal Project. Every outcome but a
// keyform::Error (a diagnostic for the user) is a bug: a crash, a sanitizer
// report, a hang, or any other exception escaping.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "providers/provider.h"
#include "reconciler/config/loader.h"
#include "util/error.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSeparator = "\n#--- resources.yaml ---\n";
constexpr std::string_view kMinimalProject = "kind: Project\nname: fuzz\n";

const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "keyform-fuzz-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) abort();
    return fs::path(tmpl);
  }();
  return dir;
}

void write(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view project = kMinimalProject, resources = input;
  if (size_t at = input.find(kSeparator); at != std::string_view::npos) {
    project = input.substr(0, at);
    resources = input.substr(at + kSeparator.size());
  }
  const fs::path& dir = work_dir();
  write(dir / "keyform.yaml", project);
  write(dir / "resources.yaml", resources);
  try {
    keyform::load_config(dir, keyform::builtin_providers());
  } catch (const keyform::Error&) {
    // A diagnostic: the expected outcome for most inputs.
  }
  return 0;
}
