#include "fleet/join_token.h"

#include <openssl/crypto.h>

#include "state/fleet_records.h"
#include "util/encoding.h"
#include "util/random.h"

namespace keyform::fleet {

namespace {

constexpr std::string_view kPrefix = "kfjoin-";
constexpr size_t kTokenHex = 64;

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

IssuedToken make_join_token(const AgentIdentity& who, Seconds ttl, UnixTime now) {
  if (ttl <= 0) throw Error("a join token needs a positive lifetime");
  SecretBytes random = random_secret(kTokenHex / 2);
  std::string text = std::string(kPrefix) + hex_encode(random.data(), random.size());
  IssuedToken out;
  out.text = SecretBytes(text);
  const std::string address = join_token_address(text);
  out.record.kind = std::string(kFleetJoinToken);
  out.record.name = address.substr(address.find('/') + 1);
  out.record.attributes = {{"sha256", sha256_hex(text)},
                           {"principal", who.principal()},
                           {"host", who.host},
                           {"created", format_rfc3339(now)},
                           {"expires", format_rfc3339(now + ttl)}};
  out.record.updated_at = now;
  OPENSSL_cleanse(text.data(), text.size());
  return out;
}

std::string join_token_address(std::string_view token) {
  if (!token.starts_with(kPrefix) || token.size() != kPrefix.size() + kTokenHex ||
      !is_hex(token.substr(kPrefix.size())))
    throw TokenRefused("the join token is not of the form kfjoin-<64 hex digits>");
  return std::string(kFleetJoinToken) + "/" + sha256_hex(token).substr(0, 16);
}

RecordedResource redeem_join_token(const State& state, std::string_view token, UnixTime now) {
  const RecordedResource* found = state.find(join_token_address(token));
  if (!found || found->attributes.value("sha256", "") != sha256_hex(token))
    throw TokenRefused("the join token is unknown (never issued, or removed)");
  RecordedResource r = *found;
  if (r.attributes.contains("used"))
    throw TokenRefused("the join token was already used (at " + r.attributes.value("used", "") +
                       " for host " + r.attributes.value("host", "") + "); issue a new one");
  std::optional<UnixTime> expires = parse_rfc3339(r.attributes.value("expires", ""));
  if (!expires || now >= *expires)
    throw TokenRefused("the join token expired at " + r.attributes.value("expires", "") +
                       "; issue a new one");
  r.attributes["used"] = format_rfc3339(now);
  r.updated_at = now;
  return r;
}

AgentIdentity token_identity(const RecordedResource& token) {
  return agent_identity(token.attributes.value("principal", ""),
                        token.attributes.value("host", ""));
}

}  // namespace keyform::fleet
