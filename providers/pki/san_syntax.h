#pragma once
// Syntax of the names a certificate may carry (subjectAltName entries).
#include <string_view>

namespace keyform::pki {

// RFC 1123 labels (letters, digits, inner hyphens; 1-63 chars each; 253 in
// all, no trailing dot). With allow_wildcard, the left-most label may be
// exactly "*" ("*.example.com"), never part of a label ("w*.example.com").
bool valid_dns_name(std::string_view name, bool allow_wildcard = true);
// An IPv4 or IPv6 address in text form.
bool valid_ip_address(std::string_view ip);
// local@domain: a non-empty local part without spaces, a valid DNS domain.
bool valid_email(std::string_view email);
// scheme:rest, scheme per RFC 3986 (a letter, then letters, digits, + - .),
// rest non-empty without whitespace.
bool valid_uri(std::string_view uri);

}  // namespace keyform::pki
