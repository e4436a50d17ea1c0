#pragma once
// One test of Backend::read_tail and catch_up, run on both backends (local
// and postgres): a state brought up to date with another process's appends
// equals a fresh load, one's own appends are not applied twice, and a
// checkpoint or an unknown position is refused rather than followed.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "state/backend.h"
#include "state/journal_replay.h"
#include "tests/unit/state_records.h"

namespace keyform::testing {

inline void expect_tail_follows_the_journal(const std::function<std::unique_ptr<Backend>()>& open) {
  std::unique_ptr<Backend> reader = open();
  LoadResult loaded = reader->load();
  ASSERT_FALSE(loaded.position.empty());
  auto state = std::make_shared<const State>(loaded.state);
  std::string position = loaded.position;

  // Another process appends: the reader catches up to what a load sees.
  std::unique_ptr<Backend> other = open();
  other->load();
  other->append({intent("a1", "Secret/one"), done("a1", "one", 1)});
  other->append({done("a2", "two", 2)});
  ASSERT_TRUE(catch_up(*reader, state, position));
  EXPECT_EQ(state->serial, 2u);
  ASSERT_NE(state->find("Secret/two"), nullptr);
  EXPECT_EQ(state->find("Secret/two")->spec_digest, "digest-2");
  EXPECT_EQ(state->resources.size(), open()->load().state.resources.size());

  // Nothing new: the same state, not a copy.
  const State* before = state.get();
  ASSERT_TRUE(catch_up(*reader, state, position));
  EXPECT_EQ(state.get(), before);

  // The reader appends after catching up (its compare-and-swap token and
  // journal offset are current) and folds its record in itself; catching
  // up reads it back and skips it by serial.
  reader->append({done("a3", "three", 3)});
  State folded = *state;
  apply_record(folded, done("a3", "three", 3));
  state = std::make_shared<const State>(folded);
  ASSERT_TRUE(catch_up(*reader, state, position));
  EXPECT_EQ(state->serial, 3u);
  EXPECT_EQ(state->resources.size(), 3u);

  // A checkpoint rewrites the snapshot: the tail cannot be followed.
  other = open();
  other->checkpoint(other->load().state);
  const std::string stale = position;
  EXPECT_FALSE(catch_up(*reader, state, position));
  EXPECT_EQ(position, stale) << "a refused catch-up changes nothing";
  EXPECT_EQ(state->serial, 3u);
  std::string garbage = "not a position";
  EXPECT_FALSE(catch_up(*reader, state, garbage));
  // After a fresh load, following works again.
  LoadResult again = reader->load();
  state = std::make_shared<const State>(again.state);
  position = again.position;
  std::unique_ptr<Backend> writer = open();
  writer->load();
  writer->append({done("a4", "four", 4)});
  ASSERT_TRUE(catch_up(*reader, state, position));
  EXPECT_EQ(state->serial, 4u);
}

}  // namespace keyform::testing
