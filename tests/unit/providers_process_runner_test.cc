// PosixProcessRunner with real commands: status, stderr tail, timeout, cwd.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "providers/deploy/process_runner.h"
#include "tests/unit/test_support.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

TEST(PosixProcessRunner, ReportsSuccess) {
  ProcessResult r = PosixProcessRunner().run({"true"}, "", {}, 5s);
  EXPECT_TRUE(r.ok()) << describe(r);
}

TEST(PosixProcessRunner, ReportsTheExitStatusAndTheTailOfStderr) {
  std::string noise(2000, 'x');
  ProcessResult r = PosixProcessRunner().run(
      {"sh", "-c", "echo " + noise + " >&2; echo 'emerg: bad cert' >&2; echo out; exit 3"}, "", {},
      5s);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_THAT(r.stderr_tail, HasSubstr("emerg: bad cert"));
  EXPECT_LE(r.stderr_tail.size(), 400u);
  EXPECT_THAT(r.stderr_tail, ::testing::Not(HasSubstr("out")));
  EXPECT_THAT(describe(r), HasSubstr("exited with status 3: "));
}

TEST(PosixProcessRunner, KillsACommandThatOverrunsItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  ProcessResult r = PosixProcessRunner().run({"sh", "-c", "sleep 30 & sleep 30"}, "", {}, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(describe(r), HasSubstr("timed out after 300ms and was killed"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(PosixProcessRunner, RunsInTheGivenDirectoryWithoutAShell) {
  testing::TempDir dir;
  dir.write("marker", "x");
  EXPECT_TRUE(PosixProcessRunner().run({"test", "-f", "marker"}, dir.path().string(), {}, 5s).ok());
  // No shell: a ";" is an argument, not a separator.
  ProcessResult r = PosixProcessRunner().run({"test", "-f", "marker;", "true"}, dir.path(), {}, 5s);
  EXPECT_FALSE(r.ok());
}

TEST(PosixProcessRunner, ACommandNotFoundIsNotStarted) {
  ProcessResult r = PosixProcessRunner().run({"keyform-no-such-command"}, "", {}, 5s);
  EXPECT_FALSE(r.started);
  EXPECT_THAT(describe(r), HasSubstr("could not be started"));
}

TEST(PosixProcessRunner, HidesTheNamedVariables) {
  ::setenv("KEYFORM_TEST_HIDDEN", "secret", 1);
  ::setenv("KEYFORM_TEST_SHOWN", "public", 1);
  ProcessResult r = PosixProcessRunner().run(
      {"sh", "-c",
       "test -z \"${KEYFORM_TEST_HIDDEN+set}\" && test \"$KEYFORM_TEST_SHOWN\" = public"},
      "", {"KEYFORM_TEST_HIDDEN"}, 5s);
  EXPECT_TRUE(r.ok()) << describe(r);
  ::unsetenv("KEYFORM_TEST_HIDDEN");
  ::unsetenv("KEYFORM_TEST_SHOWN");
}

}  // namespace
}  // namespace keyform
