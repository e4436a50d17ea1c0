#include "providers/pki/name_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "providers/pki/ca_hierarchy.h"
#include "providers/pki/pki_spec.h"
#include "providers/pki/san_syntax.h"
#include "util/text.h"
#include "util/time.h"

namespace keyform::pki {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

// `pattern` with * matching any run of characters (none included).
bool glob_match(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// The network bytes and prefix length of a CIDR range; false when malformed.
bool parse_cidr(const std::string& cidr, std::string* bytes, int* prefix) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos || slash + 1 >= cidr.size()) return false;
  const std::string addr = cidr.substr(0, slash), len = cidr.substr(slash + 1);
  if (len.find_first_not_of("0123456789") != std::string::npos || len.size() > 3) return false;
  unsigned char buf[16];
  size_t size = 0;
  if (inet_pton(AF_INET, addr.c_str(), buf) == 1)
    size = 4;
  else if (inet_pton(AF_INET6, addr.c_str(), buf) == 1)
    size = 16;
  else
    return false;
  *prefix = std::stoi(len);
  if (*prefix > static_cast<int>(size * 8)) return false;
  bytes->assign(reinterpret_cast<const char*>(buf), size);
  return true;
}

bool ip_in_range(const std::string& ip, const std::string& cidr) {
  std::string net;
  int prefix = 0;
  if (!parse_cidr(cidr, &net, &prefix)) return false;
  unsigned char buf[16];
  const int family = net.size() == 4 ? AF_INET : AF_INET6;
  if (inet_pton(family, ip.c_str(), buf) != 1) return false;
  for (int bit = 0; bit < prefix; ++bit) {
    const unsigned char m = static_cast<unsigned char>(0x80 >> (bit % 8));
    if ((buf[bit / 8] & m) != (static_cast<unsigned char>(net[bit / 8]) & m)) return false;
  }
  return true;
}

bool dns_allowed(const std::vector<std::string>& suffixes, std::string name) {
  name = lower(name);
  if (name.rfind("*.", 0) == 0) name = name.substr(2);  // the wildcard's domain
  for (std::string s : suffixes) {
    s = lower(s);
    if (name == s ||
        (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
         name[name.size() - s.size() - 1] == '.'))
      return true;
  }
  return false;
}

struct NameKind {
  const char* field;  // the Certificate's field
  const char* list;   // the allowedNames list that governs it
  const char* what;   // for messages
  const std::vector<std::string> AllowedNames::*allowed;
  bool (*matches)(const std::vector<std::string>&, const std::string&);
};

const NameKind kKinds[] = {
    {"dnsNames", "dnsSuffixes", "DNS names", &AllowedNames::dns_suffixes,
     [](const std::vector<std::string>& a, const std::string& n) { return dns_allowed(a, n); }},
    {"ipAddresses", "ipRanges", "IP addresses", &AllowedNames::ip_ranges,
     [](const std::vector<std::string>& a, const std::string& n) {
       return std::any_of(a.begin(), a.end(),
                          [&](const std::string& r) { return ip_in_range(n, r); });
     }},
    {"uris", "uriPatterns", "URIs", &AllowedNames::uri_patterns,
     [](const std::vector<std::string>& a, const std::string& n) {
       return std::any_of(a.begin(), a.end(),
                          [&](const std::string& p) { return glob_match(p, n); });
     }},
    {"emails", "emailPatterns", "email addresses", &AllowedNames::email_patterns,
     [](const std::vector<std::string>& a, const std::string& n) {
       return std::any_of(a.begin(), a.end(),
                          [&](const std::string& p) { return glob_match(lower(p), lower(n)); });
     }},
};

// Why `name` (of kind k) may not be issued under `ca`; nullopt if it may.
std::optional<std::string> refusal(const Resource& ca, const AllowedNames& allowed,
                                   const NameKind& k, const std::string& name) {
  const std::vector<std::string>& list = allowed.*k.allowed;
  if (list.empty())
    return "\"" + name + "\": " + ca.address() + " issues no " + k.what + " (allowedNames has no " +
           k.list + ")";
  if (k.matches(list, name)) return std::nullopt;
  return "\"" + name + "\" is outside the allowedNames of " + ca.address() + " (" + k.list + ": " +
         comma_joined(list) + ")";
}

}  // namespace

std::optional<AllowedNames> allowed_names_field(const nlohmann::json& ca_spec) {
  auto it = ca_spec.find("allowedNames");
  if (it == ca_spec.end() || !it->is_object()) return std::nullopt;
  AllowedNames a;
  a.dns_suffixes = it->value("dnsSuffixes", std::vector<std::string>{});
  a.ip_ranges = it->value("ipRanges", std::vector<std::string>{});
  a.uri_patterns = it->value("uriPatterns", std::vector<std::string>{});
  a.email_patterns = it->value("emailPatterns", std::vector<std::string>{});
  return a;
}

void validate_name_policy(const nlohmann::json& ca_spec, const DiagnosticSink& error) {
  std::optional<AllowedNames> a = allowed_names_field(ca_spec);
  if (!a) {
    if (ca_spec.value("nameConstraints", false))
      error("/spec/nameConstraints", "nameConstraints: true needs allowedNames to write");
    return;
  }
  for (size_t i = 0; i < a->dns_suffixes.size(); ++i)
    if (!valid_dns_name(a->dns_suffixes[i], /*allow_wildcard=*/false))
      error("/spec/allowedNames/dnsSuffixes/" + std::to_string(i),
            "\"" + a->dns_suffixes[i] + "\" is not a DNS domain (example.com, without *)");
  for (size_t i = 0; i < a->ip_ranges.size(); ++i)
    if (ip_range_constraint(a->ip_ranges[i]).empty())
      error("/spec/allowedNames/ipRanges/" + std::to_string(i),
            "\"" + a->ip_ranges[i] + "\" is not a CIDR range (10.0.0.0/8, fd00::/8)");
}

void check_issuance_guardrails(const Config& c, const Resource& cert, const DiagnosticSink& error) {
  const nlohmann::json& spec = cert.spec;
  const Resource* issuer = c.find("CertificateAuthority/" + spec.value("issuer", std::string()));
  if (issuer && issuer->spec.contains("maxValidity")) {
    const std::string validity = string_field(spec, "validity", "90d");
    const std::string max = issuer->spec["maxValidity"].get<std::string>();
    auto v = parse_duration(validity), m = parse_duration(max);
    if (v && m && *v > *m)
      error("/spec/validity", "validity " + validity + " is longer than the maxValidity " + max +
                                  " of " + issuer->address());
  }
  std::set<std::string> seen;  // a (rejected elsewhere) cycle ends the walk
  for (const Resource* ca = issuer; ca && seen.insert(ca->address()).second;
       ca = c.find(parent_address(ca->spec))) {
    std::optional<AllowedNames> allowed = allowed_names_field(ca->spec);
    if (!allowed) continue;
    // A host-name commonName is a DNS name to relying parties.
    const std::string cn = string_field(spec, "commonName", "");
    if (cn.find('.') != std::string::npos && valid_dns_name(cn))
      if (auto why = refusal(*ca, *allowed, kKinds[0], cn)) error("/spec/commonName", *why);
    for (const NameKind& k : kKinds) {
      const std::vector<std::string> names = spec.value(k.field, std::vector<std::string>{});
      for (size_t i = 0; i < names.size(); ++i)
        if (auto why = refusal(*ca, *allowed, k, names[i]))
          error("/spec/" + std::string(k.field) + "/" + std::to_string(i), *why);
    }
  }
}

x509::NameConstraints name_constraints_of(const nlohmann::json& ca_spec) {
  x509::NameConstraints nc;
  std::optional<AllowedNames> a = allowed_names_field(ca_spec);
  if (!a || !ca_spec.value("nameConstraints", false)) return nc;
  nc.dns = a->dns_suffixes;
  for (const std::string& r : a->ip_ranges) nc.ip.push_back(ip_range_constraint(r));
  nc.exclude_all_ip = a->ip_ranges.empty();
  for (const std::string& e : a->email_patterns) {
    if (e.rfind("*@", 0) == 0 && e.find('*', 2) == std::string::npos)
      nc.email.push_back(e.substr(2));
    else if (e.find('*') == std::string::npos)
      nc.email.push_back(e);
  }
  for (const std::string& u : a->uri_patterns) {
    size_t start = u.find("://");
    if (start == std::string::npos) continue;
    start += 3;
    std::string host = u.substr(start, u.find_first_of("/:?#", start) - start);
    if (host.rfind("*.", 0) == 0) host = host.substr(1);  // ".domain": any host below
    if (!host.empty() && host.find('*') == std::string::npos) nc.uri.push_back(host);
  }
  return nc;
}

std::string ip_range_constraint(const std::string& cidr) {
  std::string bytes;
  int prefix = 0;
  if (!parse_cidr(cidr, &bytes, &prefix)) return "";
  std::string mask(bytes.size(), '\0');
  for (int bit = 0; bit < prefix; ++bit)
    mask[bit / 8] = static_cast<char>(mask[bit / 8] | (0x80 >> (bit % 8)));
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(bytes[i] & mask[i]);
  return bytes + mask;
}

}  // namespace keyform::pki
