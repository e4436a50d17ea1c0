#include <gtest/gtest.h>

#include "fleet/failover.h"
#include "fleet/parked_polls.h"
#include "util/error.h"

namespace keyform::fleet {
namespace {

// A fleet of fake replicas: what each answers (status, or 0: unreachable).
struct Replicas {
  std::map<std::string, std::vector<int>> answers;  // consumed in order; the last repeats
  std::vector<std::string> asked;
  std::vector<std::chrono::seconds> pauses;
  HttpsResult operator()(const std::string& server) {
    asked.push_back(server);
    std::vector<int>& a = answers[server];
    const int status = a.size() > 1 ? a.front() : a.at(0);
    if (a.size() > 1) a.erase(a.begin());
    if (status == 0) throw Error("request to " + server + " failed: Connection refused");
    HttpsResult r;
    r.status = status;
    if (status == 503) r.retry_after = "4";
    return r;
  }
  Failover failover(std::vector<std::string> servers) {
    return {std::move(servers), 0, 3, [this](std::chrono::seconds s) { pauses.push_back(s); }};
  }
};

TEST(Failover, AnUnreachableReplicaIsPassedOverAndTheOtherRemembered) {
  Replicas r;
  r.answers = {{"https://a:1", {0}}, {"https://b:1", {200}}};
  Failover f = r.failover({"https://a:1", "https://b:1"});
  EXPECT_EQ(send_with_failover(f, std::ref(r)).status, 200);
  EXPECT_EQ(f.preferred, 1u);
  r.asked.clear();
  EXPECT_EQ(send_with_failover(f, std::ref(r)).status, 200);
  EXPECT_EQ(r.asked, std::vector<std::string>{"https://b:1"}) << "the one that answered goes first";
  EXPECT_TRUE(r.pauses.empty());
}

TEST(Failover, AServerErrorIsNotAnAnswer) {
  Replicas r;
  r.answers = {{"https://a:1", {500}}, {"https://b:1", {200}}};
  Failover f = r.failover({"https://a:1", "https://b:1"});
  EXPECT_EQ(send_with_failover(f, std::ref(r)).status, 200);
}

TEST(Failover, ARefusalIsAnAnswer) {
  Replicas r;
  r.answers = {{"https://a:1", {403}}, {"https://b:1", {200}}};
  Failover f = r.failover({"https://a:1", "https://b:1"});
  EXPECT_EQ(send_with_failover(f, std::ref(r)).status, 403);
  EXPECT_EQ(r.asked.size(), 1u);
}

TEST(Failover, ARoundEveryReplicaFailedIsTriedAgainAfterAPause) {
  Replicas r;
  r.answers = {{"https://a:1", {503, 200}}, {"https://b:1", {0}}};
  Failover f = r.failover({"https://a:1", "https://b:1"});
  EXPECT_EQ(send_with_failover(f, std::ref(r)).status, 200);
  EXPECT_EQ(r.pauses, std::vector<std::chrono::seconds>{std::chrono::seconds(4)})
      << "the 503's Retry-After";
}

TEST(Failover, WhenEveryRoundFailsItIsAnErrorNamingEachServer) {
  Replicas r;
  r.answers = {{"https://a:1", {0}}, {"https://b:1", {502}}};
  Failover f = r.failover({"https://a:1", "https://b:1"});
  try {
    send_with_failover(f, std::ref(r));
    FAIL() << "a failure was taken as an answer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Connection refused"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("https://b:1 answered 502"), std::string::npos);
  }
  EXPECT_EQ(r.asked.size(), 6u);
  EXPECT_EQ(r.pauses.size(), 2u);
}

TEST(RetryAfter, DelaySecondsAreClampedAndAnythingElseIsTheDefault) {
  auto after = [](const std::string& header) {
    HttpsResult r;
    r.retry_after = header;
    return retry_after_seconds(r, 2, 60);
  };
  EXPECT_EQ(after("5"), 5);
  EXPECT_EQ(after("0"), 1) << "never a busy loop";
  EXPECT_EQ(after("86400"), 60);
  EXPECT_EQ(after(""), 2);
  EXPECT_EQ(after("soon"), 2);
  EXPECT_EQ(after("5s"), 2);
  EXPECT_EQ(after("Wed, 21 Oct 2026 07:28:00 GMT"), 2);
}

TEST(ParkedPolls, AWakeUpRunsEachParkedPollOnce) {
  ParkedPolls parked;
  int woken = 0;
  parked.add([&] { ++woken; });
  parked.add([&] { ++woken; });
  EXPECT_EQ(parked.wake_all(), 2u);
  EXPECT_EQ(woken, 2);
  EXPECT_EQ(parked.wake_all(), 0u) << "a woken poll parks again itself, if it must";
}

TEST(ParkedPolls, APollWhoseTimeRanOutIsNotWokenAndAWokenOneIsNotTimedOut) {
  ParkedPolls parked;
  int woken = 0;
  const uint64_t timed_out = parked.add([&] { ++woken; });
  const uint64_t other = parked.add([&] { ++woken; });
  EXPECT_TRUE(parked.remove(timed_out));
  EXPECT_EQ(parked.wake_all(), 1u);
  EXPECT_EQ(woken, 1);
  EXPECT_FALSE(parked.remove(other)) << "the wake-up took it: its timer must not answer too";
}

}  // namespace
}  // namespace keyform::fleet
