#include "fleet/identity.h"

#include <openssl/x509v3.h>

#include <memory>
#include <vector>

#include "util/error.h"

namespace keyform::fleet {

namespace {

bool valid_segment(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@' || c == '+' || c == '=' || c == ',';
    if (!ok) return false;
  }
  return true;
}

AgentIdentity checked(std::string account, std::string role, std::string host,
                      std::string_view what) {
  if (!valid_segment(account))
    throw Error(std::string(what) +
                ": expected an account id of letters, digits and . _ - @ + = ,");
  if (!valid_segment(role))
    throw Error(std::string(what) + ": expected a role name of letters, digits and . _ - @ + = ,");
  if (!valid_host_name(host))
    throw Error(std::string(what) +
                ": expected a host name of lower-case letters, digits, '.' and '-', starting with "
                "a letter or digit, at most 63 characters");
  return {std::move(account), std::move(role), std::move(host)};
}

}  // namespace

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 63) return false;
  if (!((host[0] >= 'a' && host[0] <= 'z') || (host[0] >= '0' && host[0] <= '9'))) return false;
  for (char c : host)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  return true;
}

AgentIdentity agent_identity(std::string_view principal, std::string_view host) {
  const std::string what = "principal \"" + std::string(principal) + "\"";
  constexpr std::string_view kAccount = "account:", kRole = "/role:";
  size_t role_at = principal.find(kRole);
  if (!principal.starts_with(kAccount) || role_at == std::string_view::npos)
    throw Error(what + ": expected account:<id>/role:<name>");
  return checked(std::string(principal.substr(kAccount.size(), role_at - kAccount.size())),
                 std::string(principal.substr(role_at + kRole.size())), std::string(host), what);
}

AgentIdentity parse_identity_uri(std::string_view uri) {
  const std::string what = "identity \"" + std::string(uri) + "\"";
  constexpr std::string_view kScheme = "keyform://";
  if (!uri.starts_with(kScheme))
    throw Error(what + ": expected keyform://account/<id>/role/<name>/host/<host>");
  std::vector<std::string> parts;
  std::string_view rest = uri.substr(kScheme.size());
  for (size_t at = 0;;) {
    size_t slash = rest.find('/', at);
    parts.emplace_back(rest.substr(at, slash == std::string_view::npos ? slash : slash - at));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  if (parts.size() != 6 || parts[0] != "account" || parts[2] != "role" || parts[4] != "host")
    throw Error(what + ": expected keyform://account/<id>/role/<name>/host/<host>");
  return checked(parts[1], parts[3], parts[5], what);
}

std::optional<AgentIdentity> certificate_identity(X509* cert) {
  using Names = std::unique_ptr<GENERAL_NAMES, decltype(&GENERAL_NAMES_free)>;
  Names names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)),
      GENERAL_NAMES_free);
  if (!names) return std::nullopt;
  std::optional<AgentIdentity> found;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type != GEN_URI) continue;
    const ASN1_IA5STRING* s = n->d.uniformResourceIdentifier;
    std::string_view uri(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    if (!uri.starts_with("keyform://")) continue;
    if (found) throw Error("the certificate carries more than one keyform:// identity");
    found = parse_identity_uri(uri);
  }
  return found;
}

}  // namespace keyform::fleet
