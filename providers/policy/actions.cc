#include "providers/policy/actions.h"

#include <algorithm>

namespace keyform::policy {

const std::vector<AttachableKind>& attachable_kinds() {
  static const std::vector<AttachableKind> kinds = {
      {"Secret", {"secret:GetSecretValue", "secret:DescribeSecret"}},
      {"KmsKey", {"kms:Decrypt", "kms:Encrypt"}},
      {"CertificateAuthority", {"pki:IssueCertificate", "pki:GetCertificate"}},
  };
  return kinds;
}

const AttachableKind* attachable_kind(std::string_view kind) {
  for (const AttachableKind& k : attachable_kinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

std::vector<std::string> all_actions() {
  std::vector<std::string> out;
  for (const AttachableKind& k : attachable_kinds())
    for (std::string_view a : k.actions) out.emplace_back(a);
  std::sort(out.begin(), out.end());
  return out;
}

bool known_condition_operator(std::string_view op) {
  return op == "StringEquals" || op == "StringNotEquals" || op == "StringLike" ||
         op == "StringNotLike";
}

const std::vector<ConditionKey>& condition_keys() {
  static const std::vector<ConditionKey> keys = {
      {"pki:Template", "pki:IssueCertificate"},
      {"secret:VersionStage", "secret:GetSecretValue"},
      {"keyform:PrincipalAccount", ""},
  };
  return keys;
}

const ConditionKey* condition_key(std::string_view key) {
  for (const ConditionKey& k : condition_keys())
    if (k.key == key) return &k;
  return nullptr;
}

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point: linear in practice, and no
  // recursion for a pattern like "*a*a*a*".
  // The literal prefix (most patterns are all literal) compares at memcmp speed.
  size_t lit = p.find_first_of("*?");
  if (lit == std::string_view::npos) return p == t;
  if (t.size() < lit || p.substr(0, lit) != t.substr(0, lit)) return false;
  size_t pi = lit, ti = lit, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

bool has_glob(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

}  // namespace keyform::policy
