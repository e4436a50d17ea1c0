#include "state/backend.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "state/change_feed.h"
#include "util/random.h"
#include "util/time.h"

namespace keyform {

namespace {

std::string user_name() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (::getpwuid_r(::getuid(), &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
  return "uid " + std::to_string(::getuid());
}

}  // namespace

std::unique_ptr<StateChangeFeed> Backend::change_feed() { return nullptr; }

std::string this_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

LockInfo new_lock_info(const std::string& operation) {
  LockInfo info;
  info.id = random_id(8);
  info.holder = user_name();
  info.host = this_host_name();
  info.pid = static_cast<int>(::getpid());
  info.operation = operation;
  info.since = format_rfc3339(SystemClock().now());
  return info;
}

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
