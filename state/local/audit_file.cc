#include "state/local/audit_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/error.h"
#include "util/file_io.h"

namespace keyform {

namespace {

std::string read_range(int fd, off_t from, off_t to, const std::filesystem::path& path) {
  std::string out(static_cast<size_t>(to - from), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, from + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("cannot read " + path.string() + ": " + errno_text(errno));
    done += static_cast<size_t>(n);
  }
  return out;
}

}  // namespace

void append_audit_file(const std::filesystem::path& path, const Backend::AuditLines& make) {
  bool existed = std::filesystem::exists(std::filesystem::symlink_status(path));
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) throw Error("cannot open " + path.string() + ": " + errno_text(errno));
  while (::flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR) throw Error("cannot lock " + path.string() + ": " + errno_text(errno));
  if (!existed) fsync_dir(path.parent_path());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    throw Error("cannot stat " + path.string() + ": " + errno_text(errno));
  // The last line: read backwards in growing windows until its start.
  off_t end = st.st_size;
  std::string tail;
  for (off_t window = 4096;; window *= 2) {
    off_t from = end > window ? end - window : 0;
    tail = read_range(fd.get(), from, end, path);
    if (!tail.empty() && tail.back() != '\n') {  // a torn last write: cut it off
      size_t keep = tail.rfind('\n');
      if (keep == std::string::npos && from > 0) continue;
      off_t cut = keep == std::string::npos ? from : from + static_cast<off_t>(keep) + 1;
      if (::ftruncate(fd.get(), cut) != 0)
        throw Error("cannot truncate " + path.string() + ": " + errno_text(errno));
      end = cut;
      window = 2048;  // start over on the shorter file
      continue;
    }
    if (tail.size() > 1 && tail.find('\n') == tail.size() - 1 && from > 0) continue;
    break;
  }
  std::string last;
  if (!tail.empty()) {
    tail.pop_back();
    size_t nl = tail.rfind('\n');
    last = nl == std::string::npos ? tail : tail.substr(nl + 1);
  }
  std::string data;
  for (const std::string& line : make(last)) {
    if (line.find('\n') != std::string::npos) throw Error("an audit line holds a newline");
    data += line;
    data += '\n';
  }
  if (data.empty()) return;
  write_all(fd.get(), data, path);
  fsync_or_throw(fd.get(), path);
}

std::vector<std::string> read_audit_file(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, ec))) return lines;
  std::string text = read_file(path);
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) break;  // an append in progress, or cut short by a crash
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace keyform
