#pragma once
// How keyform serve tells that its configuration directory changed without
// parsing it (serve_cache.h): the files the loader reads (keyform.yaml and
// every *.yaml / *.yml below the directory, hidden ones and the state
// directory `skip` left out, as ConfigSource::yaml_files lists them).
#include <filesystem>
#include <string>

namespace keyform::fleet {

// One line per file: path, inode, size, mtime and ctime in nanoseconds.
// Changes when a file is added, removed, renamed into place or written.
std::string config_stamps(const std::filesystem::path& dir, const std::string& skip);

// SHA-256 over every file's path and content: what the stamps may miss (a
// rewrite of the same size within one timestamp tick).
std::string config_digest(const std::filesystem::path& dir, const std::string& skip);

}  // namespace keyform::fleet
