#include "util/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include "util/file_io.h"

namespace keyform {

namespace {

struct CrashPlan {
  bool armed = false;
  CrashSite site = CrashSite::kJournal;
  long at = 0;  // 1-based count of writes at `site`
};

CrashPlan read_plan() {
  CrashPlan plan;
  const char* v = std::getenv("KEYFORM_TEST_CRASH_AT");
  if (!v || !*v) return plan;
  std::string_view s(v);
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return plan;
  std::string_view site = s.substr(0, colon), n = s.substr(colon + 1);
  if (site == "journal") {
    plan.site = CrashSite::kJournal;
  } else if (site == "file") {
    plan.site = CrashSite::kFile;
  } else {
    return plan;
  }
  auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), plan.at);
  plan.armed = ec == std::errc() && end == n.data() + n.size() && plan.at > 0;
  return plan;
}

const CrashPlan& plan() {
  static const CrashPlan p = read_plan();
  return p;
}

std::atomic<long> journal_writes{0}, file_writes{0};

}  // namespace

void write_all_or_crash(CrashSite site, int fd, std::string_view data, const char* what) {
  const CrashPlan& p = plan();
  if (p.armed && p.site == site) {
    long n = ++(site == CrashSite::kJournal ? journal_writes : file_writes);
    if (n == p.at) {
      write_all(fd, data.substr(0, data.size() / 2), what);
      ::kill(::getpid(), SIGKILL);
      ::pause();
    }
  }
  write_all(fd, data, what);
}

}  // namespace keyform
