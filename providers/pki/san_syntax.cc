#include "providers/pki/san_syntax.h"

#include <arpa/inet.h>

#include <cctype>
#include <string>

namespace keyform::pki {

namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label)
    if (!is_alnum(c) && c != '-') return false;
  return true;
}

bool has_space_or_control(std::string_view s) {
  for (char c : s)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      return true;
  return false;
}

}  // namespace

bool valid_dns_name(std::string_view name, bool allow_wildcard) {
  if (name.empty() || name.size() > 253) return false;
  if (allow_wildcard && name.substr(0, 2) == "*.") name.remove_prefix(2);
  for (;;) {
    size_t dot = name.find('.');
    if (!valid_label(name.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    name.remove_prefix(dot + 1);
  }
}

bool valid_ip_address(std::string_view ip) {
  std::string s(ip);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool valid_email(std::string_view email) {
  size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  std::string_view local = email.substr(0, at);
  if (local.find('@') != std::string_view::npos || has_space_or_control(local)) return false;
  return valid_dns_name(email.substr(at + 1), false);
}

bool valid_uri(std::string_view uri) {
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return false;
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
  for (char c : uri.substr(0, colon))
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return false;
  return !has_space_or_control(uri);
}

}  // namespace keyform::pki
