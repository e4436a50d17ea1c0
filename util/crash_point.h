#pragma once
// Test-only fault injection: KEYFORM_TEST_CRASH_AT=journal:N (or file:N)
// makes the process kill itself with SIGKILL in the middle of its Nth
// journal append (or Nth durable file write), after half of the bytes are
// written and before any fsync, so a test can prove that every crash point
// recovers. Unset (the normal case) it costs one branch per write. Never set
// it outside tests: it destroys the run that reads it.
#include <cstddef>
#include <string_view>

namespace keyform {

enum class CrashSite { kJournal, kFile };

// Writes `data` to fd like write_all(), but if this is the configured crash
// point, writes only the first half and kills the process.
void write_all_or_crash(CrashSite site, int fd, std::string_view data, const char* what);

}  // namespace keyform
