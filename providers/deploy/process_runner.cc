#include "providers/deploy/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <thread>

#include "util/file_io.h"

extern char** environ;

namespace keyform {

namespace {

constexpr size_t kTailBytes = 400;

// Keeps the last kTailBytes of what was read, one line's worth of context
// for an error message.
void append_tail(std::string& tail, const char* p, size_t n) {
  tail.append(p, n);
  if (tail.size() > 4 * kTailBytes) tail.erase(0, tail.size() - kTailBytes);
}

std::string printable_tail(std::string s) {
  if (s.size() > kTailBytes) s.erase(0, s.size() - kTailBytes);
  for (char& c : s)
    if (c == '\n' || c == '\t')
      c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  size_t start = s.find_first_not_of(' ');
  return start == std::string::npos ? "" : s.substr(start);
}

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

}  // namespace

std::string describe(const ProcessResult& r) {
  std::string out;
  if (!r.started) return "could not be started: " + r.error;
  if (r.timed_out)
    out = r.error + " and was killed";
  else if (r.signal != 0)
    out = "was killed by signal " + std::to_string(r.signal);
  else
    out = "exited with status " + std::to_string(r.exit_status);
  if (!r.stderr_tail.empty()) out += ": " + r.stderr_tail;
  return out;
}

ProcessResult PosixProcessRunner::run(const std::vector<std::string>& argv, const std::string& cwd,
                                      const std::vector<std::string>& hidden_env,
                                      std::chrono::milliseconds timeout) {
  ProcessResult result;
  if (argv.empty()) {
    result.error = "empty command";
    return result;
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.error = "pipe: " + errno_text(errno);
    return result;
  }
  Fd read_end(pipe_fds[0]), write_end(pipe_fds[1]);

  // posix_spawn, not fork: the executor's worker threads may hold locks.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all_default;
  sigemptyset(&none);
  sigemptyset(&all_default);
  sigaddset(&all_default, SIGPIPE);
  sigaddset(&all_default, SIGINT);
  sigaddset(&all_default, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all_default);
  // Its own process group, so a timeout kills whatever it started too.
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) {
    std::string_view entry(*e);
    std::string_view name = entry.substr(0, entry.find('='));
    if (std::find(hidden_env.begin(), hidden_env.end(), name) == hidden_env.end())
      env.push_back(*e);
  }
  env.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  write_end = Fd();
  if (rc != 0) {
    result.error = argv[0] + ": " + errno_text(rc);
    return result;
  }
  result.started = true;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool open = true;
  int status = 0;
  std::string tail;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    if (open) {
      struct pollfd p = {read_end.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        char buf[1024];
        ssize_t n = ::read(read_end.get(), buf, sizeof buf);
        if (n > 0)
          append_tail(tail, buf, static_cast<size_t>(n));
        else if (n == 0 || (errno != EINTR && errno != EAGAIN))
          open = false;
      }
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  // What it wrote just before exiting; a daemon it left holding the pipe
  // must not block us, so read only what is there now.
  ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
  char buf[1024];
  ssize_t n;
  while (open && (n = ::read(read_end.get(), buf, sizeof buf)) > 0)
    append_tail(tail, buf, static_cast<size_t>(n));
  if (!result.timed_out) {
    if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  } else {
    result.error = "timed out after " + seconds_text(timeout);
  }
  result.stderr_tail = printable_tail(std::move(tail));
  return result;
}

}  // namespace keyform
