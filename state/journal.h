#pragma once
// The journal: records appended since the last snapshot (DESIGN.md section 4).
//
// Format (docs/state-format.md says the same). A journal file is a sequence
// of records, each framed as LevelDB frames its log records:
//
//   +----------------+----------------+--------+-------------------+
//   | length: u32 LE | crc: u32 LE    | type u8| payload (length)  |
//   +----------------+----------------+--------+-------------------+
//
//   length   bytes of payload (the 9-byte header is not counted)
//   crc      masked CRC-32C over the type byte followed by the payload;
//            masked as LevelDB does: ((c >> 15) | (c << 17)) + 0xa282ead8
//   type     JournalRecord::Type: 1 intent, 2 done, 3 remove, 4 meta
//   payload  compact JSON object; fields by type:
//              intent  serial, action_id, address, action, time
//              done    serial, action_id, address, entry (RecordedResource JSON), time
//              remove  serial, action_id, address, time
//              meta    serial, git_commit, git_author, git_commit_time, git_dirty,
//                      time (the three after git_commit optional on reading)
//
// Recovery: a last record that is cut short (the file ends inside its header
// or payload) or fails its checksum with no valid record anywhere after it is
// a write that never completed: it is dropped with a warning naming its byte
// offset. Any other damage — a bad checksum or unreadable payload followed by
// valid data, an unknown type with a good checksum — is an error naming the
// file, the record index and the byte offset. The journal is never reset
// silently.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "state/journal_record.h"
#include "util/file_io.h"

namespace keyform {

inline constexpr size_t kJournalHeaderSize = 9;

// The record's payload: compact JSON with the fields of its type. Throws
// keyform::Error when the record cannot be encoded (a done without an entry).
std::string encode_record_payload(const JournalRecord& record);
// The inverse, given the type byte. Throws keyform::Error naming the field.
JournalRecord decode_record_payload(JournalRecord::Type type, std::string_view payload);

// One framed record (header + payload), as it is appended to the file.
std::string encode_journal_record(const JournalRecord& record);
// Decodes the framed record at the start of `bytes`; sets *consumed to its
// framed size. Throws keyform::Error when it is short, fails its checksum or
// its payload is malformed.
JournalRecord decode_journal_record(std::string_view bytes, size_t* consumed);

struct JournalReadResult {
  std::vector<JournalRecord> records;
  // A dropped torn last record, with its byte offset. No secret material.
  std::vector<std::string> warnings;
  // Length of the prefix made of whole, valid records. A writer cuts the file
  // back to this before appending, so new records never follow a torn one.
  uint64_t valid_bytes = 0;
};

// Parses a journal held in memory; `name` (the file) is used in messages.
// Throws keyform::Error on corruption other than a torn last record.
JournalReadResult parse_journal(std::string_view bytes, const std::string& name);
// Reads and parses a journal file. Throws keyform::Error when it cannot be
// read or is corrupted.
JournalReadResult read_journal(const fs::path& path);

// Appends records to a journal file. Used by one thread (the one that owns
// the state); not thread-safe.
class JournalWriter {
 public:
  // Opens `path` for appending, creating it (mode 0600) when missing. Bytes
  // past `valid_bytes` (a torn tail read_journal dropped) are cut off first.
  // Throws when the file is shorter than `valid_bytes`.
  JournalWriter(fs::path path, uint64_t valid_bytes);

  // Writes every record with one write and one fsync (group commit): all of
  // them are durable when it returns. Nothing is written when a record cannot
  // be encoded. After a failed write or sync the writer refuses further
  // appends, since what reached the disk is unknown; a fresh load recovers.
  void append(const std::vector<JournalRecord>& records);

  uint64_t size() const { return size_; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  Fd fd_;
  uint64_t size_ = 0;
  bool failed_ = false;
};

}  // namespace keyform
