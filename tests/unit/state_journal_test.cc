#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "state/journal.h"
#include "tests/unit/test_support.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using Type = JournalRecord::Type;

JournalRecord intent(const std::string& action_id, const std::string& address) {
  JournalRecord r;
  r.type = Type::kIntent;
  r.serial = 0;
  r.action_id = action_id;
  r.address = address;
  r.action = "create";
  r.time = 1800000000;
  return r;
}

JournalRecord done(const std::string& action_id, const std::string& name, uint64_t serial) {
  JournalRecord r;
  r.type = Type::kDone;
  r.serial = serial;
  r.action_id = action_id;
  r.address = "Certificate/" + name;
  RecordedResource e;
  e.kind = "Certificate";
  e.name = name;
  e.spec_digest = "digest-" + name;
  e.attributes = {{"serial", "0a:0b"}};
  e.objects = {{"privateKey", "00ff"}};
  e.last_action_id = action_id;
  r.entry = e;
  r.time = 1800000001;
  return r;
}

JournalRecord removal(const std::string& action_id, const std::string& address, uint64_t serial) {
  JournalRecord r;
  r.type = Type::kRemove;
  r.serial = serial;
  r.action_id = action_id;
  r.address = address;
  return r;
}

JournalRecord meta(const std::string& commit, uint64_t serial) {
  JournalRecord r;
  r.type = Type::kMeta;
  r.serial = serial;
  r.git_commit = commit;
  return r;
}

// A frame with a correct checksum around arbitrary type and payload.
std::string frame(uint8_t type, const std::string& payload) {
  uint32_t c = crc32c(&type, 1);
  c = crc32c(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), c);
  uint32_t masked = ((c >> 15) | (c << 17)) + 0xa282ead8u;
  std::string out;
  for (uint32_t v : {static_cast<uint32_t>(payload.size()), masked})
    for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  out += static_cast<char>(type);
  out += payload;
  return out;
}

std::vector<JournalRecord> three_records() {
  return {intent("a1", "Certificate/web"), done("a1", "web", 1), meta("c0ffee", 2)};
}

std::string encode_all(const std::vector<JournalRecord>& records) {
  std::string out;
  for (const auto& r : records) out += encode_journal_record(r);
  return out;
}

TEST(Journal, EveryTypeRoundTrips) {
  for (const JournalRecord& r : {intent("a1", "Secret/db"), done("a2", "web", 7),
                                 removal("a3", "Secret/db", 8), meta("c0ffee", 9)}) {
    std::string bytes = encode_journal_record(r);
    size_t consumed = 0;
    JournalRecord back = decode_journal_record(bytes, &consumed);
    EXPECT_EQ(consumed, bytes.size());
    EXPECT_EQ(back.type, r.type);
    EXPECT_EQ(back.serial, r.serial);
    EXPECT_EQ(back.action_id, r.action_id);
    EXPECT_EQ(back.address, r.address);
    EXPECT_EQ(back.action, r.action);
    EXPECT_EQ(back.git_commit, r.git_commit);
    EXPECT_EQ(back.time, r.time);
    ASSERT_EQ(back.entry.has_value(), r.entry.has_value());
    if (r.entry) {
      EXPECT_EQ(to_json(*back.entry), to_json(*r.entry));
    }
  }
}

TEST(Journal, FrameLayoutIsLengthChecksumTypePayload) {
  JournalRecord r = meta("c0ffee", 3);
  std::string payload = encode_record_payload(r);
  EXPECT_EQ(encode_journal_record(r), frame(4, payload));
  EXPECT_EQ(nlohmann::json::parse(payload)["git_commit"], "c0ffee");
}

TEST(Journal, MetaCarriesTheCommitsAuthorTimeAndDirtyMarker) {
  JournalRecord r = meta("c0ffee", 3);
  r.git_author = "Ada <ada@example.org>";
  r.git_commit_time = 1800000000;
  r.git_dirty = true;
  JournalRecord back = decode_journal_record(encode_journal_record(r), nullptr);
  EXPECT_EQ(back.git_author, "Ada <ada@example.org>");
  EXPECT_EQ(back.git_commit_time, 1800000000);
  EXPECT_TRUE(back.git_dirty);
}

TEST(Journal, MetaWrittenBeforeAuthorAndTimeStillReads) {
  JournalRecord back =
      decode_record_payload(Type::kMeta, R"({"serial": 4, "git_commit": "c0ffee", "time": 0})");
  EXPECT_EQ(back.git_commit, "c0ffee");
  EXPECT_EQ(back.git_author, "");
  EXPECT_EQ(back.git_commit_time, 0);
  EXPECT_FALSE(back.git_dirty);
}

TEST(Journal, DoneWithoutEntryCannotBeEncoded) {
  JournalRecord r = done("a1", "web", 1);
  r.entry.reset();
  EXPECT_THROW(encode_journal_record(r), Error);
}

TEST(Journal, ParsesConsecutiveRecords) {
  std::string bytes = encode_all(three_records());
  JournalReadResult res = parse_journal(bytes, "journal");
  ASSERT_EQ(res.records.size(), 3u);
  EXPECT_EQ(res.records[0].type, Type::kIntent);
  EXPECT_EQ(res.records[1].entry->name, "web");
  EXPECT_EQ(res.records[2].git_commit, "c0ffee");
  EXPECT_TRUE(res.warnings.empty());
  EXPECT_EQ(res.valid_bytes, bytes.size());
}

TEST(Journal, EmptyJournalHasNoRecords) {
  JournalReadResult res = parse_journal("", "journal");
  EXPECT_TRUE(res.records.empty());
  EXPECT_TRUE(res.warnings.empty());
  EXPECT_EQ(res.valid_bytes, 0u);
}

TEST(Journal, TornLastRecordIsDroppedWithAWarningAtEveryCut) {
  std::vector<JournalRecord> records = three_records();
  std::string whole = encode_all(records);
  size_t last_start = whole.size() - encode_journal_record(records.back()).size();
  // Cuts inside the header (1..8 bytes written) and inside the payload.
  for (size_t cut = last_start + 1; cut < whole.size(); ++cut) {
    JournalReadResult res = parse_journal(std::string_view(whole).substr(0, cut), "jfile");
    ASSERT_EQ(res.records.size(), 2u) << "cut at " << cut;
    ASSERT_EQ(res.warnings.size(), 1u) << "cut at " << cut;
    EXPECT_THAT(res.warnings[0], HasSubstr("jfile"));
    EXPECT_THAT(res.warnings[0], HasSubstr("byte offset " + std::to_string(last_start)));
    EXPECT_EQ(res.valid_bytes, last_start);
  }
}

TEST(Journal, LastRecordWithBadChecksumIsDroppedAsTorn) {
  std::string bytes = encode_all(three_records());
  bytes[bytes.size() - 3] ^= 0x01;
  JournalReadResult res = parse_journal(bytes, "journal");
  EXPECT_EQ(res.records.size(), 2u);
  ASSERT_EQ(res.warnings.size(), 1u);
}

TEST(Journal, ZeroFilledTailIsDroppedAsTorn) {
  std::string bytes = encode_all(three_records());
  size_t valid = bytes.size();
  bytes += std::string(4096, '\0');
  JournalReadResult res = parse_journal(bytes, "journal");
  EXPECT_EQ(res.records.size(), 3u);
  ASSERT_EQ(res.warnings.size(), 1u);
  EXPECT_THAT(res.warnings[0], HasSubstr("byte offset " + std::to_string(valid)));
  EXPECT_EQ(res.valid_bytes, valid);
}

TEST(Journal, FlippedByteInAMiddleRecordIsAnErrorNamingIndexAndOffset) {
  std::vector<JournalRecord> records = three_records();
  size_t offset1 = encode_journal_record(records[0]).size();
  std::string bytes = encode_all(records);
  bytes[offset1 + kJournalHeaderSize + 5] ^= 0x20;  // inside record 1's payload
  try {
    parse_journal(bytes, "state/journal");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("state/journal"));
    EXPECT_THAT(e.what(), HasSubstr("record 1"));
    EXPECT_THAT(e.what(), HasSubstr("byte offset " + std::to_string(offset1)));
  }
}

TEST(Journal, CorruptLengthInAMiddleRecordIsAnError) {
  std::vector<JournalRecord> records = three_records();
  size_t offset1 = encode_journal_record(records[0]).size();
  std::string bytes = encode_all(records);
  bytes[offset1 + 3] = '\x7f';  // length now runs far past the end
  EXPECT_THROW(parse_journal(bytes, "journal"), Error);
}

TEST(Journal, UnparseablePayloadWithGoodChecksumIsAnError) {
  std::string bytes = encode_journal_record(intent("a1", "Secret/x")) + frame(2, "{not json") +
                      encode_journal_record(meta("c", 3));
  try {
    parse_journal(bytes, "journal");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("record 1"));
  }
  // Even as the last record: its checksum says it was written whole.
  EXPECT_THROW(
      parse_journal(encode_journal_record(intent("a1", "Secret/x")) + frame(2, "{}"), "journal"),
      Error);
}

TEST(Journal, UnknownTypeWithGoodChecksumIsAnError) {
  std::string bytes = frame(9, "{}");
  try {
    parse_journal(bytes, "journal");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("newer keyform"));
  }
}

TEST(Journal, DoneWhoseEntryIsForAnotherAddressIsAnError) {
  JournalRecord r = done("a1", "web", 1);
  nlohmann::json payload = nlohmann::json::parse(encode_record_payload(r));
  payload["address"] = "Certificate/api";
  EXPECT_THROW(parse_journal(frame(2, payload.dump()), "journal"), Error);
}

class JournalFile : public ::testing::Test {
 protected:
  fs::path path() const { return dir_.path() / "journal"; }
  testing::TempDir dir_;
};

TEST_F(JournalFile, GroupAppendWritesEveryRecord) {
  JournalWriter w(path(), 0);
  std::vector<JournalRecord> batch;
  for (int i = 1; i <= 50; ++i)
    batch.push_back(done("a" + std::to_string(i), "c" + std::to_string(i), i));
  w.append(batch);
  w.append({meta("c1", 51)});
  JournalReadResult res = read_journal(path());
  ASSERT_EQ(res.records.size(), 51u);
  EXPECT_EQ(res.records[49].entry->name, "c50");
  EXPECT_EQ(res.records[50].serial, 51u);
  EXPECT_EQ(w.size(), fs::file_size(path()));
}

TEST_F(JournalFile, NothingIsWrittenWhenOneRecordOfABatchIsInvalid) {
  JournalWriter w(path(), 0);
  JournalRecord bad = done("a2", "x", 2);
  bad.entry.reset();
  EXPECT_THROW(w.append({done("a1", "web", 1), bad}), Error);
  EXPECT_EQ(fs::file_size(path()), 0u);
  w.append({meta("c", 1)});
  EXPECT_EQ(read_journal(path()).records.size(), 1u);
}

TEST_F(JournalFile, WriterCutsATornTailBeforeAppending) {
  std::string bytes = encode_all(three_records());
  dir_.write("journal", bytes.substr(0, bytes.size() - 4));
  JournalReadResult first = read_journal(path());
  ASSERT_EQ(first.warnings.size(), 1u);
  JournalWriter w(path(), first.valid_bytes);
  w.append({meta("after", 3)});
  JournalReadResult second = read_journal(path());
  EXPECT_TRUE(second.warnings.empty());
  ASSERT_EQ(second.records.size(), 3u);
  EXPECT_EQ(second.records[2].git_commit, "after");
}

TEST_F(JournalFile, WriterRefusesAFileShorterThanItWasRead) {
  dir_.write("journal", "");
  EXPECT_THROW(JournalWriter(path(), 100), Error);
}

TEST_F(JournalFile, MissingFileIsAnError) { EXPECT_THROW(read_journal(path()), Error); }

}  // namespace
}  // namespace keyform
