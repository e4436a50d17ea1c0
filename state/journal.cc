#include "state/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "util/crash_point.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

namespace {

using nlohmann::json;
using Type = JournalRecord::Type;

constexpr uint32_t kMaskDelta = 0xa282ead8u;

uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

uint32_t record_crc(uint8_t type, std::string_view payload) {
  uint32_t c = crc32c(&type, 1);
  return crc32c(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), c);
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

bool known_type(uint8_t t) { return t >= 1 && t <= 5; }

const char* type_name(Type t) {
  switch (t) {
    case Type::kIntent:
      return "intent";
    case Type::kDone:
      return "done";
    case Type::kRemove:
      return "remove";
    case Type::kMeta:
      return "meta";
    case Type::kFailed:
      return "failed";
  }
  return "unknown";
}

enum class FrameStatus { kOk, kShort, kBadChecksum, kUnknownType };

struct Frame {
  uint8_t type = 0;
  std::string_view payload;
  size_t size = 0;  // header + payload
};

FrameStatus parse_frame(std::string_view bytes, Frame* frame) {
  if (bytes.size() < kJournalHeaderSize) return FrameStatus::kShort;
  uint32_t length = get_u32(bytes.data());
  uint32_t stored_crc = get_u32(bytes.data() + 4);
  uint8_t type = static_cast<uint8_t>(bytes[8]);
  if (length > bytes.size() - kJournalHeaderSize) return FrameStatus::kShort;
  std::string_view payload = bytes.substr(kJournalHeaderSize, length);
  if (mask_crc(record_crc(type, payload)) != stored_crc) return FrameStatus::kBadChecksum;
  frame->type = type;
  frame->payload = payload;
  frame->size = kJournalHeaderSize + length;
  return known_type(type) ? FrameStatus::kOk : FrameStatus::kUnknownType;
}

// Whether a whole record with a good checksum starts anywhere at or after
// `from`: if so, damage before it is not a torn tail but corruption.
bool valid_record_follows(std::string_view bytes, size_t from) {
  for (size_t p = from; p + kJournalHeaderSize <= bytes.size(); ++p) {
    Frame f;
    FrameStatus s = parse_frame(bytes.substr(p), &f);
    if (s == FrameStatus::kOk || s == FrameStatus::kUnknownType) return true;
  }
  return false;
}

// Typed access to the payload's fields; errors name the field.
const json& field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw Error(std::string("missing field \"") + key + "\"");
  return *it;
}

std::string string_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_string()) throw Error(std::string("field \"") + key + "\" is not a string");
  return v.get<std::string>();
}

uint64_t serial_field(const json& j) {
  const json& v = field(j, "serial");
  if (!v.is_number_unsigned()) throw Error("field \"serial\" is not a non-negative integer");
  return v.get<uint64_t>();
}

int64_t time_field(const json& j) {
  const json& v = field(j, "time");
  if (!v.is_number_integer()) throw Error("field \"time\" is not an integer");
  return v.get<int64_t>();
}

}  // namespace

std::string encode_record_payload(const JournalRecord& r) {
  json j = {{"serial", r.serial}};
  if (r.type != Type::kMeta) {
    j["action_id"] = r.action_id;
    j["address"] = r.address;
  }
  switch (r.type) {
    case Type::kIntent:
      j["action"] = r.action;
      break;
    case Type::kDone:
      if (!r.entry) throw Error("journal record done for " + r.address + " carries no entry");
      if (r.entry->address() != r.address)
        throw Error("journal record done for " + r.address + " carries the entry of " +
                    r.entry->address());
      j["entry"] = to_json(*r.entry);
      break;
    case Type::kRemove:
      break;
    case Type::kMeta:
      j["git_commit"] = r.git_commit;
      j["git_author"] = r.git_author;
      j["git_commit_time"] = r.git_commit_time;
      j["git_dirty"] = r.git_dirty;
      break;
    case Type::kFailed:
      j["error"] = r.error;
      break;
    default:
      throw Error("journal record of unknown type " + std::to_string(static_cast<int>(r.type)));
  }
  j["time"] = r.time;
  try {
    return j.dump();
  } catch (const json::exception&) {
    // Only invalid UTF-8 in a string makes dump() throw.
    throw Error("journal record " + std::string(type_name(r.type)) + " for " + r.address +
                " holds text that is not valid UTF-8");
  }
}

JournalRecord decode_record_payload(Type type, std::string_view payload) {
  if (!known_type(static_cast<uint8_t>(type)))
    throw Error("unknown record type " + std::to_string(static_cast<int>(type)) +
                " (written by a newer keyform?)");
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error("payload is not valid JSON");
  if (!j.is_object()) throw Error("payload is not a JSON object");
  JournalRecord r;
  r.type = type;
  r.serial = serial_field(j);
  r.time = time_field(j);
  if (type != Type::kMeta) {
    r.action_id = string_field(j, "action_id");
    r.address = string_field(j, "address");
  }
  switch (type) {
    case Type::kIntent:
      r.action = string_field(j, "action");
      break;
    case Type::kDone:
      try {
        r.entry = recorded_from_json(field(j, "entry"));
      } catch (const Error& e) {
        throw Error(std::string("field \"entry\": ") + e.what());
      }
      if (r.entry->address() != r.address)
        throw Error("entry is for " + r.entry->address() + ", not " + r.address);
      break;
    case Type::kRemove:
      break;
    case Type::kMeta:
      r.git_commit = string_field(j, "git_commit");
      // Written since the commit's author and time are recorded: optional.
      if (j.contains("git_author")) r.git_author = string_field(j, "git_author");
      if (j.contains("git_commit_time")) {
        const json& t = j["git_commit_time"];
        if (!t.is_number_integer()) throw Error("field \"git_commit_time\" is not an integer");
        r.git_commit_time = t.get<int64_t>();
      }
      if (j.contains("git_dirty")) {
        const json& d = j["git_dirty"];
        if (!d.is_boolean()) throw Error("field \"git_dirty\" is not true or false");
        r.git_dirty = d.get<bool>();
      }
      break;
    case Type::kFailed:
      r.error = string_field(j, "error");
      break;
  }
  return r;
}

std::string encode_journal_record(const JournalRecord& record) {
  std::string payload = encode_record_payload(record);
  uint8_t type = static_cast<uint8_t>(record.type);
  std::string out;
  out.reserve(kJournalHeaderSize + payload.size());
  put_u32(out, static_cast<uint32_t>(payload.size()));
  put_u32(out, mask_crc(record_crc(type, payload)));
  out += static_cast<char>(type);
  out += payload;
  return out;
}

JournalRecord decode_journal_record(std::string_view bytes, size_t* consumed) {
  Frame f;
  switch (parse_frame(bytes, &f)) {
    case FrameStatus::kShort:
      throw Error("journal record is cut short");
    case FrameStatus::kBadChecksum:
      throw Error("journal record fails its checksum");
    case FrameStatus::kUnknownType:
    case FrameStatus::kOk:
      break;
  }
  JournalRecord r = decode_record_payload(static_cast<Type>(f.type), f.payload);
  if (consumed) *consumed = f.size;
  return r;
}

JournalReadResult parse_journal(std::string_view bytes, const std::string& name) {
  JournalReadResult out;
  size_t offset = 0;
  for (size_t index = 0; offset < bytes.size(); ++index) {
    auto where = [&] {
      return name + ": record " + std::to_string(index) + " at byte offset " +
             std::to_string(offset);
    };
    Frame f;
    FrameStatus status = parse_frame(bytes.substr(offset), &f);
    if (status == FrameStatus::kShort || status == FrameStatus::kBadChecksum) {
      const char* what =
          status == FrameStatus::kShort ? "runs past the end of the file" : "fails its checksum";
      if (valid_record_follows(bytes, offset + 1))
        throw Error(where() + " " + what +
                    ", and valid records follow it: the journal is corrupted. Nothing was "
                    "changed; restore the state directory from a backup");
      out.warnings.push_back(name + ": dropped a torn last record at byte offset " +
                             std::to_string(offset) + " (" + std::to_string(bytes.size() - offset) +
                             " bytes); the write it belonged to never completed");
      break;
    }
    try {
      out.records.push_back(decode_record_payload(static_cast<Type>(f.type), f.payload));
    } catch (const Error& e) {
      throw Error(where() + ": " + e.what());
    }
    offset += f.size;
    out.valid_bytes = offset;
  }
  return out;
}

JournalReadResult read_journal(const fs::path& path) {
  return parse_journal(read_file(path), path.string());
}

JournalWriter::JournalWriter(fs::path path, uint64_t valid_bytes) : path_(std::move(path)) {
  std::error_code ec;
  bool existed = fs::exists(fs::symlink_status(path_, ec));
  fd_ = Fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) throw Error("cannot open " + path_.string() + ": " + errno_text(errno));
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0)
    throw Error("cannot stat " + path_.string() + ": " + errno_text(errno));
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < valid_bytes)
    throw Error(path_.string() + " is shorter than when it was read (" + std::to_string(size) +
                " < " + std::to_string(valid_bytes) + " bytes); another process changed it");
  if (size > valid_bytes) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(valid_bytes)) != 0)
      throw Error("cannot cut the torn tail off " + path_.string() + ": " + errno_text(errno));
    fsync_or_throw(fd_.get(), path_);
  }
  if (!existed) fsync_dir(path_.parent_path());
  size_ = valid_bytes;
}

void JournalWriter::append(const std::vector<JournalRecord>& records) {
  if (failed_)
    throw Error("cannot append to " + path_.string() +
                ": an earlier write to it failed in this run");
  if (records.empty()) return;
  std::string batch;
  for (const JournalRecord& r : records) batch += encode_journal_record(r);
  try {
    write_all_or_crash(CrashSite::kJournal, fd_.get(), batch, path_.c_str());
#ifdef __linux__
    if (::fdatasync(fd_.get()) != 0)
      throw Error("cannot sync " + path_.string() + ": " + errno_text(errno));
#else
    fsync_or_throw(fd_.get(), path_);
#endif
  } catch (...) {
    // Cut off what may have been written so no later record follows a partial
    // one; either way, this writer is done.
    failed_ = true;
    (void)::ftruncate(fd_.get(), static_cast<off_t>(size_));
    throw;
  }
  size_ += batch.size();
}

}  // namespace keyform
