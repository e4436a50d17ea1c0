#pragma once
// The local backend's audit log: .keyform/audit.log, one record per line
// (state/audit_log.h). Appends take an flock on the file itself, so a
// secret read under a shared state lock and an apply cannot fork the chain;
// each append is one write of whole lines and one fsync. A last line without
// its '\n' is a write a crash cut short (never fsynced, so never reported
// durable): the next append cuts it off before writing.
#include <filesystem>
#include <string>
#include <vector>

#include "state/backend.h"

namespace keyform {

void append_audit_file(const std::filesystem::path& path, const Backend::AuditLines& make);
std::vector<std::string> read_audit_file(const std::filesystem::path& path);

}  // namespace keyform
