#pragma once
// One-time join tokens (keyform agent token / enroll; docs/fleet.md). A
// token is 32 random bytes, printed once as "kfjoin-<64 hex>"; the state
// keeps only its SHA-256, in FleetJoinToken/<first 16 hex of the hash>, with
// the identity it enrols, its expiry, and when it was used.
#include <string>
#include <string_view>

#include "fleet/identity.h"
#include "state/state.h"
#include "util/error.h"
#include "util/secret_bytes.h"
#include "util/time.h"

namespace keyform::fleet {

// A token that enrols nobody: unknown, already used, or expired. The message
// says which (never the token).
class TokenRefused : public Error {
 public:
  using Error::Error;
};

struct IssuedToken {
  SecretBytes text;         // "kfjoin-...": printed once, never stored
  RecordedResource record;  // FleetJoinToken/<id>: the hash, identity, expiry
};

// A fresh token for `who`, valid for `ttl` seconds from `now`.
IssuedToken make_join_token(const AgentIdentity& who, Seconds ttl, UnixTime now);

// The address of the entry that would record `token`. Throws TokenRefused
// when it is not of the token's form.
std::string join_token_address(std::string_view token);

// Checks `token` against its recorded entry in `state` and returns that
// entry marked used at `now` (the caller records it, under the lock, in the
// same batch as what the token grants). Throws TokenRefused when there is no
// entry, its hash differs, it was used, or it expired.
RecordedResource redeem_join_token(const State& state, std::string_view token, UnixTime now);

// The identity a token entry enrols.
AgentIdentity token_identity(const RecordedResource& token);

}  // namespace keyform::fleet
