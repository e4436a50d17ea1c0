#include "state/local/local_backend.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>

#include "state/journal.h"
#include "state/journal_replay.h"
#include "state/local/audit_file.h"
#include "state/local/file_lock.h"
#include "state/local/local_object_store.h"
#include "state/local/snapshot_file.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/random.h"
#include "util/time.h"

namespace keyform {

namespace {

using nlohmann::json;

json lock_info_json(const LockInfo& i) {
  return json{{"id", i.id},   {"holder", i.holder},       {"host", i.host},
              {"pid", i.pid}, {"operation", i.operation}, {"since", i.since}};
}

// The lock-info file, or nullopt when it is missing or unreadable (a holder
// between taking the flock and writing it, or a half-written file).
std::optional<LockInfo> read_lock_info(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path, ec))) return std::nullopt;
  std::string text;
  try {
    text = read_file(path);
  } catch (const Error&) {
    return std::nullopt;
  }
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  LockInfo i;
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  i.id = str("id");
  i.holder = str("holder");
  i.host = str("host");
  i.operation = str("operation");
  i.since = str("since");
  if (auto it = j.find("pid"); it != j.end() && it->is_number_integer()) i.pid = it->get<int>();
  if (i.id.empty()) return std::nullopt;
  return i;
}

std::string file_revision(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "none";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec);
}

class LocalStateLock : public StateLock {
 public:
  LocalStateLock(FileLock lock, LockInfo info, fs::path info_path)
      : lock_(std::move(lock)), info_(std::move(info)), info_path_(std::move(info_path)) {}
  ~LocalStateLock() override {
    // The lock-info file goes before the flock, so it never outlives the
    // lock it describes into someone else's tenure.
    if (!info_path_.empty()) ::unlink(info_path_.c_str());
  }
  const LockInfo& info() const override { return info_; }

 private:
  FileLock lock_;
  LockInfo info_;
  fs::path info_path_;  // empty for shared holders, which write no lock info
};

class LocalBackend : public Backend {
 public:
  explicit LocalBackend(fs::path dir) : dir_(std::move(dir)), objects_(dir_) {}

  std::string describe() const override { return "local backend in " + dir_.string(); }

  bool initialized() const override {
    std::error_code ec;
    return fs::exists(snapshot_path(), ec);
  }

  void create(const State& initial) override;
  std::unique_ptr<StateLock> lock(LockMode mode, const std::string& operation) override;
  void force_unlock(const std::string& lock_id) override;
  LoadResult load() override;
  std::optional<JournalTail> read_tail(const std::string& position) override;
  void append(const std::vector<JournalRecord>& records) override;
  void checkpoint(const State& state) override;
  ObjectStore& objects() override { return objects_; }
  // The snapshot's and the journal's inode, size and change time: an append
  // grows the journal, a checkpoint renames new files into place.
  std::string revision() override {
    return file_revision(snapshot_path()) + "/" + file_revision(journal_path());
  }
  void append_audit(const AuditLines& make) override {
    require_dir();
    append_audit_file(dir_ / "audit.log", make);
  }
  std::vector<std::string> read_audit() override { return read_audit_file(dir_ / "audit.log"); }

 private:
  fs::path snapshot_path() const { return dir_ / "state.json"; }
  fs::path journal_path() const { return dir_ / "journal"; }
  fs::path lock_path() const { return dir_ / "lock"; }
  fs::path lock_info_path() const { return dir_ / "lock.json"; }
  void require_dir() const;
  std::string tail_position(ino_t journal_inode, uint64_t offset) const;

  fs::path dir_;
  LocalObjectStore objects_;
  std::unique_ptr<JournalWriter> writer_;        // opened by the first append
  std::optional<uint64_t> journal_valid_bytes_;  // from the last load or write
  // Intents this instance appended whose done/remove has not come yet: a
  // checkpoint carries them into the new journal, so an action in flight
  // stays visible to the next load if the run dies.
  std::vector<JournalRecord> pending_intents_;
  uint64_t max_serial_ = 0;  // highest serial loaded or appended
  std::optional<std::string> lineage_;
};

void LocalBackend::require_dir() const {
  std::error_code ec;
  if (!fs::exists(snapshot_path(), ec))
    throw Error("no state in " + dir_.string() + ": run `keyform init`");
}

void LocalBackend::create(const State& initial) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(snapshot_path(), ec)))
    throw Error(dir_.string() + " already holds a keyform state; refusing to replace it");
  fs::path parent = dir_.has_parent_path() ? dir_.parent_path() : fs::path(".");
  if (!fs::exists(fs::symlink_status(dir_, ec))) {
    fs::create_directories(parent, ec);
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      throw Error("cannot create " + dir_.string() + ": " + errno_text(errno));
    fsync_dir(parent);
  } else if (!fs::is_directory(fs::symlink_status(dir_, ec))) {
    throw Error(dir_.string() + " exists and is not a directory");
  }
  if (::chmod(dir_.c_str(), 0700) != 0)
    throw Error("cannot set the mode of " + dir_.string() + ": " + errno_text(errno));
  write_file_durable(dir_ / ".gitignore", "*\n", 0644);
  open_dir_nofollow(dir_, dir_ / "objects", /*create=*/true);
  fsync_dir(dir_);
  // The snapshot comes last: its presence is what makes the state exist.
  write_file_durable(journal_path(), "", 0600);
  write_file_durable(snapshot_path(), encode_snapshot(initial), 0600);
  writer_.reset();
  journal_valid_bytes_ = 0;
  pending_intents_.clear();
  max_serial_ = initial.serial;
  lineage_ = initial.lineage;
}

// Whether a lock holder is known to be gone: on this host, with no such pid.
// A holder on another host cannot be checked and counts as alive.
// Removes the temp files (NAME.tmp-XXXXXXXXXXXX) of durable writes a killed
// run left in the state directory and its object directories. They hold
// nothing in plaintext, but nothing refers to them either. Only called under
// the exclusive lock, when no other run can be writing.
static void remove_stale_temps(const fs::path& dir) {
  auto sweep = [](const fs::path& d) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().filename().string().find(".tmp-") != std::string::npos && e.is_regular_file(ec))
        fs::remove(e.path(), ec);
  };
  sweep(dir);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir / "objects", ec))
    if (e.is_directory(ec) && !e.is_symlink(ec)) sweep(e.path());
}

static bool holder_gone(const LockInfo& info) {
  if (info.host != this_host_name() || info.pid <= 0) return false;
  return ::kill(info.pid, 0) != 0 && errno == ESRCH;
}

std::unique_ptr<StateLock> LocalBackend::lock(LockMode mode, const std::string& operation) {
  require_dir();
  auto fl =
      FileLock::try_lock(lock_path(), mode == LockMode::kExclusive ? FileLock::Mode::kExclusive
                                                                   : FileLock::Mode::kShared);
  if (!fl) {
    // lock.json names the last exclusive holder; when that process is gone
    // (a killed apply), the flock is held by someone else: a plan or show.
    if (auto holder = read_lock_info(lock_info_path()); holder && !holder_gone(*holder))
      throw LockedError("the state is locked: " + holder->str() +
                        "; if that run is gone, run `keyform state unlock " + holder->id + "`");
    throw LockedError(
        "the state is locked by another keyform run (a plan or show reading it); "
        "try again when it finishes");
  }
  LockInfo info = new_lock_info(operation);
  fs::path info_path;
  if (mode == LockMode::kExclusive) {
    remove_stale_temps(dir_);
    info_path = lock_info_path();
    write_file_durable(info_path, lock_info_json(info).dump(1) + "\n", 0600);
  }
  return std::make_unique<LocalStateLock>(std::move(*fl), std::move(info), std::move(info_path));
}

void LocalBackend::force_unlock(const std::string& lock_id) {
  require_dir();
  std::optional<LockInfo> info = read_lock_info(lock_info_path());
  if (!info)
    throw Error("the state in " + dir_.string() + " has no lock " + lock_id +
                " (no readable lock.json); nothing to unlock");
  if (info->id != lock_id)
    throw Error("the state's lock id is " + info->id + ", not " + lock_id + " (" + info->str() +
                ")");
  auto fl = FileLock::try_lock(lock_path(), FileLock::Mode::kExclusive);
  if (!fl && !holder_gone(*info))
    throw Error("lock " + lock_id + " is held by a live process pid " + std::to_string(info->pid) +
                " on " + info->host + "; stop it first");
  if (::unlink(lock_info_path().c_str()) != 0 && errno != ENOENT)
    throw Error("cannot remove " + lock_info_path().string() + ": " + errno_text(errno));
  fsync_dir(dir_);
}

LoadResult LocalBackend::load() {
  require_dir();
  State snapshot = decode_snapshot(read_file(snapshot_path()), snapshot_path().string());
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(journal_path(), ec)))
    throw Error(journal_path().string() +
                " is missing: the records written since the last snapshot are gone. If you are "
                "sure nothing was applied since then, create it as an empty file");
  JournalReadResult journal = read_journal(journal_path());
  ReplayResult replayed =
      replay_journal(std::move(snapshot), journal.records, std::move(journal.warnings));
  LoadResult out = std::move(replayed.loaded);
  const uint64_t max_serial = replayed.max_serial;

  writer_.reset();
  journal_valid_bytes_ = journal.valid_bytes;
  max_serial_ = max_serial;
  lineage_ = out.state.lineage;
  struct stat st {};
  if (::stat(journal_path().c_str(), &st) == 0)
    out.position = tail_position(st.st_ino, journal.valid_bytes);
  return out;
}

std::string LocalBackend::tail_position(ino_t journal_inode, uint64_t offset) const {
  return "local:" + file_revision(snapshot_path()) + "|" + std::to_string(journal_inode) + ":" +
         std::to_string(offset);
}

// A checkpoint renames a new snapshot and a new journal into place; until
// one does, the journal only grows, so the bytes past the offset read last
// are what was appended since.
std::optional<JournalTail> LocalBackend::read_tail(const std::string& position) {
  const size_t bar = position.rfind('|'), colon = position.rfind(':');
  if (!position.starts_with("local:") || bar == std::string::npos || colon < bar)
    return std::nullopt;
  if (position.substr(6, bar - 6) != file_revision(snapshot_path())) return std::nullopt;
  uint64_t offset = 0;
  ino_t inode = 0;
  try {
    inode = static_cast<ino_t>(std::stoull(position.substr(bar + 1, colon - bar - 1)));
    offset = std::stoull(position.substr(colon + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  Fd fd(::open(journal_path().c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0 || st.st_ino != inode ||
      static_cast<uint64_t>(st.st_size) < offset)
    return std::nullopt;
  std::string bytes(static_cast<size_t>(st.st_size) - offset, '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n =
        ::pread(fd.get(), bytes.data() + got, bytes.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // load() says what is wrong
    got += static_cast<size_t>(n);
  }
  JournalReadResult journal;
  try {
    journal = parse_journal(bytes, journal_path().string());
  } catch (const Error&) {
    return std::nullopt;  // load() names the damage with its offset in the whole file
  }
  JournalTail tail;
  tail.records = std::move(journal.records);
  tail.position = tail_position(inode, offset + journal.valid_bytes);
  writer_.reset();
  journal_valid_bytes_ = offset + journal.valid_bytes;
  for (const JournalRecord& r : tail.records)
    if (r.type != JournalRecord::Type::kIntent) max_serial_ = std::max(max_serial_, r.serial);
  return tail;
}

void LocalBackend::append(const std::vector<JournalRecord>& records) {
  if (records.empty()) return;
  if (!writer_) {
    // Without a load, read the journal now: appending after a torn or damaged
    // record would bury it.
    uint64_t valid =
        journal_valid_bytes_ ? *journal_valid_bytes_ : read_journal(journal_path()).valid_bytes;
    writer_ = std::make_unique<JournalWriter>(journal_path(), valid);
  }
  writer_->append(records);
  journal_valid_bytes_ = writer_->size();
  for (const JournalRecord& r : records) {
    if (r.type == JournalRecord::Type::kIntent) {
      pending_intents_.push_back(r);
      continue;
    }
    max_serial_ = std::max(max_serial_, r.serial);
    if (r.type == JournalRecord::Type::kMeta) continue;
    std::erase_if(pending_intents_,
                  [&](const JournalRecord& p) { return p.action_id == r.action_id; });
  }
}

void LocalBackend::checkpoint(const State& state) {
  if (state.serial < max_serial_)
    throw Error("refusing to checkpoint serial " + std::to_string(state.serial) +
                ": the journal already holds serial " + std::to_string(max_serial_) +
                ", which the snapshot would lose");
  if (lineage_ && state.lineage != *lineage_)
    throw Error("refusing to checkpoint a state of lineage " + state.lineage + " over lineage " +
                *lineage_);
  // The snapshot first: until it is durable the journal still holds every
  // change. A crash after it replays records the snapshot already has, and
  // load() skips them by serial.
  write_file_durable(snapshot_path(), encode_snapshot(state), 0600);
  std::string carried;
  for (const JournalRecord& r : pending_intents_) carried += encode_journal_record(r);
  writer_.reset();
  // Replaced by rename rather than truncated in place, so a crash leaves
  // either the old journal or the new one, never an empty file that lost the
  // intents still in flight.
  write_file_durable(journal_path(), carried, 0600);
  journal_valid_bytes_ = carried.size();
  max_serial_ = state.serial;
  lineage_ = state.lineage;
}

}  // namespace

std::unique_ptr<Backend> make_local_backend(const std::filesystem::path& state_dir) {
  return std::make_unique<LocalBackend>(state_dir);
}

}  // namespace keyform
