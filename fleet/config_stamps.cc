#include "fleet/config_stamps.h"

#include <sys/stat.h>

#include "reconciler/config/config_source.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform::fleet {

namespace {

std::vector<std::string> config_files(const std::filesystem::path& dir, const std::string& skip) {
  std::vector<std::string> files = directory_source(dir)->yaml_files(skip);
  files.insert(files.begin(), "keyform.yaml");
  return files;
}

std::string stamp(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  auto ns = [](const timespec& t) {
    return std::to_string(t.tv_sec) + std::string(9 - std::to_string(t.tv_nsec).size(), '0') +
           std::to_string(t.tv_nsec);
  };
  return std::to_string(st.st_ino) + " " + std::to_string(st.st_size) + " " + ns(st.st_mtim) + " " +
         ns(st.st_ctim);
}

}  // namespace

std::string config_stamps(const std::filesystem::path& dir, const std::string& skip) {
  std::string out;
  for (const std::string& rel : config_files(dir, skip)) out += rel + " " + stamp(dir / rel) + "\n";
  return out;
}

std::string config_digest(const std::filesystem::path& dir, const std::string& skip) {
  auto source = directory_source(dir);
  std::string all;
  for (const std::string& rel : config_files(dir, skip)) {
    std::string content;
    try {
      content = source->read(rel);
    } catch (const Error& e) {
      content = std::string("unreadable: ") + e.what();
    }
    all += sha256_hex(rel) + sha256_hex(content);
  }
  return sha256_hex(all);
}

}  // namespace keyform::fleet
