#pragma once
// The seam through which a deployment runs its reload command, so tests can
// use a fake. Commands are argv vectors run without a shell.
#include <chrono>
#include <string>
#include <vector>

namespace keyform {

struct ProcessResult {
  bool started = false;  // false: it could not be run at all (see error)
  int exit_status = -1;  // when it exited
  int signal = 0;        // when a signal ended it
  bool timed_out = false;
  std::string stderr_tail;  // the last bytes it wrote to stderr, printable
  std::string error;        // why it could not be started

  bool ok() const { return started && !timed_out && signal == 0 && exit_status == 0; }
};

// "exited with status 1: <stderr tail>", "timed out after 5s and was killed".
std::string describe(const ProcessResult& r);

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs argv (argv[0] looked up in PATH) in directory `cwd` with stdin
  // and stdout on /dev/null and this process's environment minus the
  // variables named in `hidden_env` (the root key's), waits at most
  // `timeout`, then kills its process group.
  virtual ProcessResult run(const std::vector<std::string>& argv, const std::string& cwd,
                            const std::vector<std::string>& hidden_env,
                            std::chrono::milliseconds timeout) = 0;
};

class PosixProcessRunner : public ProcessRunner {
 public:
  ProcessResult run(const std::vector<std::string>& argv, const std::string& cwd,
                    const std::vector<std::string>& hidden_env,
                    std::chrono::milliseconds timeout) override;
};

}  // namespace keyform
