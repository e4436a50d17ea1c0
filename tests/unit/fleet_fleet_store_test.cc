#include <gtest/gtest.h>

#include "fleet/fleet_store.h"
#include "state/fleet_records.h"
#include "state/local/local_backend.h"
#include "tests/unit/state_records.h"
#include "tests/unit/test_support.h"

namespace keyform::fleet {
namespace {

RecordedResource agent(const std::string& host) {
  RecordedResource r;
  r.kind = std::string(kFleetAgent);
  r.name = host;
  r.attributes = {{"principal", "account:b/role:web"}, {"serial", "01"}};
  return r;
}

class FleetStoreTest : public ::testing::Test {
 protected:
  FleetStoreTest() : backend_(make_local_backend(tmp_.path() / ".keyform")) {
    backend_->create(testing::initial_state());
  }
  testing::TempDir tmp_;
  std::unique_ptr<Backend> backend_;
};

TEST_F(FleetStoreTest, WriteRecordsWhatTheChangeReturnsAndBumpsTheSerial) {
  FleetStore store(*backend_, "test");
  const uint64_t before = store.read().serial;
  store.write(
      [](const State&) {
        return std::vector<RecordedResource>{agent("a"), agent("b")};
      },
      1800000000);
  State after = store.read();
  EXPECT_EQ(after.serial, before + 2);
  ASSERT_NE(after.find("FleetAgent/a"), nullptr);
  EXPECT_EQ(after.find("FleetAgent/b")->attributes.value("serial", ""), "01");
}

TEST_F(FleetStoreTest, ARefusedChangeRecordsNothing) {
  FleetStore store(*backend_, "test");
  const uint64_t before = store.read().serial;
  EXPECT_THROW(
      store.write([](const State&) -> std::vector<RecordedResource> { throw Error("refused"); },
                  1800000000),
      Error);
  EXPECT_EQ(store.read().serial, before);
  // The lock was let go: the next write goes through.
  store.write([](const State&) { return std::vector<RecordedResource>{agent("a")}; }, 1800000000);
  EXPECT_NE(store.read().find("FleetAgent/a"), nullptr);
}

TEST_F(FleetStoreTest, OnlyFleetRecordsAreWritten) {
  RecordedResource cert;
  cert.kind = "Certificate";
  cert.name = "web";
  FleetStore store(*backend_, "test");
  EXPECT_THROW(
      store.write([&](const State&) { return std::vector<RecordedResource>{cert}; }, 1800000000),
      Error);
  EXPECT_EQ(store.read().find("Certificate/web"), nullptr);
}

TEST_F(FleetStoreTest, AHeldLockIsBusyAfterTheWait) {
  auto held = backend_->lock(LockMode::kExclusive, "apply");
  FleetStore store(*backend_, "test", std::chrono::milliseconds(100));
  EXPECT_THROW(store.read(), StateBusy);
}

TEST_F(FleetStoreTest, TwoStoresOnOneStateSeeEachOthersWritesAndShareUnchangedEntries) {
  std::unique_ptr<Backend> other_backend = make_local_backend(tmp_.path() / ".keyform");
  FleetStore a(*backend_, "a"), b(*other_backend, "b");
  a.write([](const State&) { return std::vector<RecordedResource>{agent("a")}; }, 1800000000);
  std::shared_ptr<const State> seen = b.current();
  ASSERT_NE(seen->find("FleetAgent/a"), nullptr);
  EXPECT_EQ(b.current(), seen) << "nothing changed: the same state, not a reload";

  b.write([](const State&) { return std::vector<RecordedResource>{agent("b")}; }, 1800000000);
  a.write(
      [](const State& s) {
        EXPECT_NE(s.find("FleetAgent/b"), nullptr) << "a write decides on the state as it is";
        return std::vector<RecordedResource>{agent("c")};
      },
      1800000000);
  std::shared_ptr<const State> now = b.current();
  EXPECT_EQ(now->serial, 3u);
  EXPECT_EQ(now->resources.size(), 3u);
  EXPECT_NE(now->find("FleetAgent/c"), nullptr);
  // The entry nobody wrote since is the very same object: a catch-up
  // copies pointers, not entries.
  EXPECT_EQ(now->resources.share("FleetAgent/a"), seen->resources.share("FleetAgent/a"));
  EXPECT_EQ(seen->find("FleetAgent/c"), nullptr) << "a state handed out never changes";

  // After a checkpoint (an apply's), the store loads afresh and agrees.
  std::unique_ptr<Backend> applier = make_local_backend(tmp_.path() / ".keyform");
  {
    auto held = applier->lock(LockMode::kExclusive, "apply");
    applier->checkpoint(applier->load().state);
  }
  a.write([](const State&) { return std::vector<RecordedResource>{agent("d")}; }, 1800000000);
  EXPECT_EQ(b.current()->resources.size(), 4u);
  EXPECT_EQ(b.current()->serial, 4u);
}

}  // namespace
}  // namespace keyform::fleet
