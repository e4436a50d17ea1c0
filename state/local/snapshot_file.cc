#include "state/local/snapshot_file.h"

#include <charconv>
#include <vector>

#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

namespace {

constexpr std::string_view kMagic = "keyform-state";
constexpr int kSnapshotFileVersion = 1;

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string encode_snapshot(const State& state) {
  std::string body = to_json(state).dump(1);
  body += '\n';
  std::string out = std::string(kMagic) + " v" + std::to_string(kSnapshotFileVersion) +
                    " sha256=" + sha256_hex(body) + " length=" + std::to_string(body.size()) + "\n";
  out += body;
  return out;
}

State decode_snapshot(std::string_view bytes, const std::string& name) {
  auto not_state = [&](const std::string& why) {
    return Error(name + " is not a keyform state file (" + why + ")");
  };
  size_t nl = bytes.find('\n');
  if (nl == std::string_view::npos) throw not_state("no header line");
  std::vector<std::string_view> words = split_spaces(bytes.substr(0, nl));
  if (words.empty() || words[0] != kMagic) throw not_state("it does not start with keyform-state");
  uint64_t version = 0;
  if (words.size() < 2 || words[1].size() < 2 || words[1][0] != 'v' ||
      !parse_u64(words[1].substr(1), &version))
    throw not_state("malformed header line");
  if (version > static_cast<uint64_t>(kSnapshotFileVersion))
    throw Error(name + " was written by a newer keyform (state file v" + std::to_string(version) +
                "); upgrade keyform");
  std::string_view sha;
  uint64_t length = 0;
  bool have_length = false;
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i].starts_with("sha256=")) sha = words[i].substr(7);
    if (words[i].starts_with("length=")) have_length = parse_u64(words[i].substr(7), &length);
  }
  if (sha.size() != 64 || !have_length) throw not_state("malformed header line");

  std::string_view body = bytes.substr(nl + 1);
  if (body.size() != length)
    throw Error(name + " is damaged: its header says " + std::to_string(length) +
                " bytes follow, but " + std::to_string(body.size()) +
                " do (truncated or appended to); restore it from a backup");
  if (sha256_hex(body) != sha)
    throw Error(name +
                " is damaged: its content does not match the sha256 in its header (a "
                "flipped byte or a hand edit); restore it from a backup");

  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(name + ": the state is not valid JSON");
  try {
    return state_from_json(std::move(j));
  } catch (const Error& e) {
    throw Error(name + ": " + e.what());
  }
}

}  // namespace keyform
