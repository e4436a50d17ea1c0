#pragma once
// The policy vocabulary in one place: which kinds a ResourcePolicy attaches
// to, the actions each kind's policy may name, and the condition operators
// and keys (docs/policies.md lists the same).
#include <string>
#include <string_view>
#include <vector>

namespace keyform::policy {

// A kind a ResourcePolicy can be attached to, and the actions on it.
struct AttachableKind {
  std::string_view kind;                  // "Secret"
  std::vector<std::string_view> actions;  // "secret:GetSecretValue", ...
};

// Secret, KmsKey, CertificateAuthority.
const std::vector<AttachableKind>& attachable_kinds();
// The entry for `kind`, or null when a policy cannot be attached to it.
const AttachableKind* attachable_kind(std::string_view kind);
// Every action of every attachable kind, sorted.
std::vector<std::string> all_actions();

// Condition operators: StringEquals, StringNotEquals, StringLike,
// StringNotLike. A negated operator holds when the key is absent.
bool known_condition_operator(std::string_view op);
// Condition keys and the action whose requests carry them ("pki:Template"
// is set by pki:IssueCertificate requests).
struct ConditionKey {
  std::string_view key;
  std::string_view action;  // "" when every request carries it
};
const std::vector<ConditionKey>& condition_keys();
const ConditionKey* condition_key(std::string_view key);

// Shell-style glob: '*' any run of characters (including '/' and ':'), '?'
// one character; everything else literal and case-sensitive.
bool glob_match(std::string_view pattern, std::string_view text);
bool has_glob(std::string_view s);

}  // namespace keyform::policy
