// Deployment throughput with durable writes:
//   deploy_bench KEYFORM GEN_CONFIG [WORKDIR]
// 1. The file-system seam alone (PosixFileSystem, as apply uses it): 1,000
//    targets of 3 files each (certificate 0644, private key 0600, fullchain
//    0644, ~0.5-1 KB), each target switched as a unit: write_group (temp
//    files, fsync, previous versions kept, directory fsync, renames,
//    directory fsync) then commit_group (kept versions dropped, directory
//    fsync). First deployment into new directories, then a redeployment
//    over the existing files; with 1 and 2 threads.
// 2. End to end: `keyform apply` of 1,000 DeploymentTargets whose spec
//    changed (file modes), so each is a `deploy` action and nothing is
//    issued; the no-op plan time is taken out.
// Each figure is the median of 3 runs (1 for the single thread). Nothing
// here is a test.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "providers/file_system.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using keyform::FileToWrite;
using keyform::PosixFileSystem;
using keyform::SecretBytes;

namespace {

constexpr int kTargets = 1000;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<FileToWrite> target_files(const fs::path& base, int i, int round) {
  std::string cert(700, 'c'), key(240, 'k');
  cert += std::to_string(round);
  auto one = [&](const std::string& name, std::string content, mode_t mode) {
    FileToWrite f;
    f.base = base;
    f.path = base / ("svc-" + std::to_string(i)) / name;
    f.content = SecretBytes(content);
    f.mode = mode;
    return f;
  };
  std::vector<FileToWrite> out;
  out.push_back(one("cert.pem", cert, 0644));
  out.push_back(one("key.pem", key, 0600));
  out.push_back(one("fullchain.pem", cert + cert, 0644));
  return out;
}

// Seconds to deploy every target once, on `threads` threads.
double deploy_all(const fs::path& base, int round, int threads) {
  std::atomic<int> next{0};
  PosixFileSystem files;
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i; (i = next++) < kTargets;) {
        std::vector<FileToWrite> group = target_files(base, i, round);
        files.write_group(group);
        files.commit_group(group);
      }
    });
  for (std::thread& t : pool) t.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What one durable directory change costs right now: create a file, fsync
// the directory, remove it, fsync again; the median of 100. On a shared
// machine this moves with everyone else's I/O, so it is printed beside
// every figure.
double dir_fsync_ms(const fs::path& dir) {
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  std::vector<double> ms;
  for (int i = 0; i < 100; ++i) {
    auto start = Clock::now();
    int fd = openat(dfd, "probe", O_CREAT | O_WRONLY, 0600);
    close(fd);
    fsync(dfd);
    unlinkat(dfd, "probe", 0);
    fsync(dfd);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() / 2);
  }
  close(dfd);
  return median(ms);
}

void seam(const fs::path& work, int threads, int runs) {
  std::printf("directory fsync now: %.3f ms\n", dir_fsync_ms(work));
  std::vector<double> first, again;
  for (int run = 0; run < runs; ++run) {
    fs::path base = work / ("seam-" + std::to_string(threads) + "-" + std::to_string(run));
    fs::remove_all(base);
    fs::create_directories(base);
    first.push_back(deploy_all(base, 1, threads));
    again.push_back(deploy_all(base, 2, threads));
    fs::remove_all(base);
  }
  double f = median(first), a = median(again);
  std::printf(
      "seam, %d thread(s): first deployment %.2f s = %.0f targets/s; redeployment %.2f s = %.0f "
      "targets/s (%d files each)\n",
      threads, f, kTargets / f, a, kTargets / a, 3 * kTargets);
  std::fflush(stdout);
}

double run(const std::vector<std::string>& args) {
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "deploy_bench: `%s ... %s` failed\n", args[0].c_str(),
                 args.back().c_str());
    std::exit(1);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Changes every target's certificate mode between 0644 and 0640, so the
// next apply redeploys every target and issues nothing.
void flip_modes(const fs::path& dir, int round) {
  const std::string from = round % 2 ? "0644" : "0640", to = round % 2 ? "0640" : "0644";
  for (const auto& e : fs::directory_iterator(dir / "certs")) {
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string s = std::regex_replace(text.str(),
                                       std::regex("cert.pem, content: certificate, "
                                                  "mode: \"" +
                                                  from + "\""),
                                       "cert.pem, content: certificate, mode: \"" + to + "\"");
    std::ofstream(e.path()) << s;
  }
}

void end_to_end(const std::string& keyform, const std::string& gen, const fs::path& work) {
  fs::path dir = work / "e2e";
  fs::remove_all(dir);
  run({gen, dir.string(), std::to_string(kTargets), "10"});
  run({keyform, "-C", dir.string(), "init"});
  run({keyform, "-C", dir.string(), "--parallelism", "2", "apply", "--auto-approve"});
  std::vector<double> plans, applies;
  for (int round = 1; round <= 3; ++round) {
    plans.push_back(run({keyform, "-C", dir.string(), "plan"}));
    flip_modes(dir, round);
    applies.push_back(
        run({keyform, "-C", dir.string(), "--parallelism", "2", "apply", "--auto-approve"}));
  }
  double plan = median(plans), apply = median(applies);
  std::printf("directory fsync now: %.3f ms\n", dir_fsync_ms(work));
  std::printf(
      "keyform apply, %d deploy actions (%d files), --parallelism 2: %.2f s (no-op plan %.2f s); "
      "%.0f targets/s with the plan taken out\n",
      kTargets, 3 * kTargets, apply, plan, kTargets / (apply - plan));
  fs::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: deploy_bench KEYFORM GEN_CONFIG [WORKDIR]\n");
    return 1;
  }
  fs::path work = argc > 3 ? fs::path(argv[3]) : fs::temp_directory_path() / "keyform-deploy-bench";
  fs::create_directories(work);
  unsetenv("KEYFORM_ROOT_KEY");
  // One thread pays every fsync in turn: one run of it is enough to see.
  seam(work, 1, 1);
  seam(work, 2, 3);
  end_to_end(fs::absolute(argv[1]).string(), fs::absolute(argv[2]).string(), work);
  fs::remove_all(work);
  return 0;
}
