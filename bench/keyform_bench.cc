// Measures keyform against the targets of DESIGN.md section 6 and prints the
// figures with the machine's own limits beside them:
//   keyform_bench KEYFORM_BINARY GEN_CONFIG_BINARY [WORKDIR]
// Each figure is the median of 3 runs of the real binary (fork/exec); peak
// memory is the child's ru_maxrss. Nothing here is a test: it only reports.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "state/postgres/pg_connection.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Run {
  double seconds = 0;
  double peak_mb = 0;
  int status = 0;
};

// Runs argv with stdout/stderr to /dev/null; returns time and peak RSS.
Run run(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  Run r;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.peak_mb = ru.ru_maxrss / 1024.0;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return r;
}

Run must(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  Run r = run(args, env);
  if (r.status != 0) {
    std::fprintf(stderr, "bench: `%s %s` exited %d\n", args[0].c_str(),
                 args.size() > 3 ? args[3].c_str() : "", r.status);
    std::exit(1);
  }
  return r;
}

Run median(std::vector<Run> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
  return runs[runs.size() / 2];
}

struct Setup {
  std::string keyform, gen;
  fs::path work;
};

// Where the state goes: the global flags and environment of every keyform
// run (empty: the local backend keyform.yaml names).
struct Target {
  std::vector<std::string> flags;  // e.g. --backend postgres
  std::vector<std::string> env;    // e.g. KEYFORM_PG_DSN=...
};

std::vector<std::string> keyform_args(const Setup& s, const fs::path& dir, const Target& t,
                                      std::vector<std::string> args) {
  std::vector<std::string> all = {s.keyform, "-C", dir.string()};
  all.insert(all.end(), t.flags.begin(), t.flags.end());
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// A config of `certs` certificates (2 * certs + 11 resources), initialised
// and applied; returns the first apply's run.
Run applied(const Setup& s, const fs::path& dir, long certs, const Target& t = {}) {
  fs::remove_all(dir);
  must({s.gen, dir.string(), std::to_string(certs), "10"});
  must(keyform_args(s, dir, t, {"init"}), t.env);
  return must(keyform_args(s, dir, t, {"--parallelism", "2", "apply", "--auto-approve"}), t.env);
}

Run noop_plan(const Setup& s, const fs::path& dir, const Target& t = {}) {
  std::vector<Run> runs;
  for (int i = 0; i < 3; ++i) {
    Run r = run(keyform_args(s, dir, t, {"plan", "--detailed-exitcode"}), t.env);
    if (r.status != 0) {
      std::fprintf(stderr, "bench: no-op plan in %s exited %d\n", dir.c_str(), r.status);
      std::exit(1);
    }
    runs.push_back(r);
  }
  return median(runs);
}

// Adds `extra` certificates (and targets) to an applied config and applies
// them; returns seconds per action with the no-op plan time taken out.
double per_action(const Setup& s, const fs::path& dir, long base, long extra) {
  double plan = noop_plan(s, dir).seconds;
  must({s.gen, dir.string(), std::to_string(extra), "10", "--offset", std::to_string(base)});
  Run r = must({s.keyform, "-C", dir.string(), "--parallelism", "2", "apply", "--auto-approve"});
  return (r.seconds - plan) / static_cast<double>(2 * extra);
}

// Commits the config files of `dir` to a new git repository there (the
// state and the deployed files stay out of it).
void commit_config(const fs::path& dir) {
  const std::string git = "git -C '" + dir.string() + "' ";
  const std::string cmd = "printf '*\\n!*/\\n!*.yaml\\n' > '" + (dir / ".gitignore").string() +
                          "' && " + git + "init -q && " + git + "add -A && " + git +
                          "-c user.name=bench -c user.email=bench@localhost commit -qm config";
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "bench: cannot commit %s to git\n", dir.c_str());
    std::exit(1);
  }
}

double ec_keygen_per_second() {
  auto start = Clock::now();
  int n = 0;
  while (std::chrono::duration<double>(Clock::now() - start).count() < 1.0) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    EVP_PKEY_free(k);
    ++n;
  }
  return n / std::chrono::duration<double>(Clock::now() - start).count();
}

double fsync_ms(const fs::path& dir) {
  fs::path p = dir / "fsync-probe";
  int fd = open(p.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  auto start = Clock::now();
  for (int i = 0; i < 200; ++i) {
    if (write(fd, "x", 1) != 1 || fsync(fd) != 0) break;
  }
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / 200;
  close(fd);
  fs::remove(p);
  return ms;
}

// The last line of `openssl speed ecdsap256`: signs and verifies per second.
std::string openssl_speed_ecdsa() {
  FILE* p = popen("openssl speed -seconds 2 ecdsap256 2>/dev/null", "r");
  if (!p) return "openssl speed: not available";
  std::string last;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    std::string l(line);
    while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.pop_back();
    if (!l.empty()) last = l;
  }
  pclose(p);
  return "openssl speed ecdsap256 (sign, verify, sign/s, verify/s): " + last;
}

// The local and postgres backends side by side: first apply and no-op plan
// at 1,001 and 10,001 resources. `admin_dsn` is a libpq URI ending in
// /DBNAME for a role that may create databases; each size gets a fresh one.
void compare_backends(const Setup& s, const std::string& admin_dsn) {
  for (long certs : {495L, 4995L}) {
    for (const char* backend : {"local", "postgres"}) {
      Target t{{"--backend", backend}, {}};
      if (std::string(backend) == "postgres") {
        std::string db = "keyform_bench_" + std::to_string(certs);
        keyform::PgConnection admin(admin_dsn, "KEYFORM_BENCH_PG_DSN");
        admin.exec("DROP DATABASE IF EXISTS " + db);
        admin.exec("CREATE DATABASE " + db);
        t.env.push_back("KEYFORM_PG_DSN=" + admin_dsn.substr(0, admin_dsn.rfind('/') + 1) + db);
      }
      fs::path dir = s.work / (std::string(backend) + std::to_string(certs));
      Run first = applied(s, dir, certs, t);
      Run plan = noop_plan(s, dir, t);
      std::printf(
          "%-8s %6ld resources: first apply %.2f s = %.0f certificates/s (%.0f actions/s), "
          "peak %.0f MB; no-op plan %.3f s, peak %.0f MB\n",
          backend, 2 * certs + 11, first.seconds, certs / first.seconds,
          (2 * certs + 11) / first.seconds, first.peak_mb, plan.seconds, plan.peak_mb);
      std::fflush(stdout);
      fs::remove_all(dir);
    }
  }
}

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: keyform_bench KEYFORM GEN_CONFIG [WORKDIR] [--compare-backends]\n"
                 "  --compare-backends: only local vs postgres (admin URI in "
                 "KEYFORM_BENCH_PG_DSN)\n");
    return 1;
  }
  Setup s{fs::absolute(argv[1]).string(), fs::absolute(argv[2]).string(),
          argc > 3 ? fs::path(argv[3]) : fs::temp_directory_path() / "keyform-bench"};
  fs::create_directories(s.work);
  setenv("KEYFORM_ROOT_KEY", "", 1);
  unsetenv("KEYFORM_ROOT_KEY");
  if (argc > 4 && std::string(argv[4]) == "--compare-backends") {
    const char* dsn = std::getenv("KEYFORM_BENCH_PG_DSN");
    if (!dsn || !*dsn) {
      std::fprintf(stderr, "bench: set KEYFORM_BENCH_PG_DSN to an admin connection URI\n");
      return 1;
    }
    compare_backends(s, dsn);
    fs::remove_all(s.work);
    return 0;
  }

  std::printf("machine: %ld cores\n", sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("limit: EC P-256 key generation (EVP, 1 thread): %.0f/s\n", ec_keygen_per_second());
  std::printf("limit: fsync of a 1-byte append: %.3f ms\n", fsync_ms(s.work));
  std::printf("limit: %s\n", openssl_speed_ecdsa().c_str());
  std::fflush(stdout);

  // First apply: 1,000 EC P-256 certificates, each deployed as 3 files.
  Run first = applied(s, s.work / "c1000", 1000);
  std::printf(
      "first apply, 1,000 certificates + 1,000 targets (3,000 files): %.2f s = %.0f "
      "certificates/s, peak %.0f MB\n",
      first.seconds, 1000 / first.seconds, first.peak_mb);
  Run p1 = noop_plan(s, s.work / "c1000");
  std::printf("no-op plan, 2,011 resources: %.3f s, peak %.0f MB\n", p1.seconds, p1.peak_mb);
  std::fflush(stdout);

  Run big = applied(s, s.work / "c5000", 4995);
  std::printf("first apply, 4,995 certificates + 4,995 targets: %.2f s = %.0f certificates/s\n",
              big.seconds, 4995 / big.seconds);
  Run p10 = noop_plan(s, s.work / "c5000");
  std::printf("no-op plan, 10,001 resources: %.3f s, peak %.0f MB\n", p10.seconds, p10.peak_mb);
  // The same config committed to git: read from the working tree (which
  // now also opens the repository and resolves HEAD) and from --rev HEAD
  // (every file read from the object database instead of the disk).
  commit_config(s.work / "c5000");
  Run pw = noop_plan(s, s.work / "c5000");
  Run pr = noop_plan(s, s.work / "c5000", Target{{"--rev", "HEAD"}, {}});
  std::printf("no-op plan, 10,001 resources in a git working tree: %.3f s, peak %.0f MB\n",
              pw.seconds, pw.peak_mb);
  std::printf("no-op plan, 10,001 resources from --rev HEAD: %.3f s, peak %.0f MB\n", pr.seconds,
              pr.peak_mb);
  // The rest measures a plain directory again, like the 1,001-resource one
  // it is compared with (apply in a git tree also checks it is clean).
  fs::remove_all(s.work / "c5000" / ".git");
  fs::remove(s.work / "c5000" / ".gitignore");
  std::vector<Run> drifts;
  for (int i = 0; i < 3; ++i)
    drifts.push_back(must({s.keyform, "-C", (s.work / "c5000").string(), "drift"}));
  Run d10 = median(drifts);
  std::printf("drift, 10,001 resources (14,985 deployed files): %.3f s, peak %.0f MB\n",
              d10.seconds, d10.peak_mb);
  std::fflush(stdout);

  // Per-action cost at ~1,000 and ~10,000 resources: add 200 certificates
  // (400 actions) to each and take the no-op plan time out.
  fs::path small = s.work / "c500";
  applied(s, small, 495);
  double a1 = per_action(s, small, 495, 200);
  double a10 = per_action(s, s.work / "c5000", 4995, 200);
  std::printf("per action, state of 1,001 resources: %.3f ms\n", a1 * 1000);
  std::printf("per action, state of 10,001 resources: %.3f ms (ratio %.2f)\n", a10 * 1000,
              a10 / a1);

  fs::remove_all(s.work);
  return 0;
}
