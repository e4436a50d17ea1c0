#include "fleet/reader_client.h"

#include <openssl/crypto.h>

#include <cctype>

#include "fleet/agent_credentials.h"
#include "util/error.h"
#include "util/file_io.h"
#include "util/secret_bytes.h"

namespace keyform::fleet {

namespace {

using json = nlohmann::json;

// The caller's identity and the servers to ask: an enrolled agent's, or
// files given on the command line; --server replaces the agent's servers.
AgentCredentials reader(const ReaderOptions& o) {
  check_reader_options(o);
  AgentCredentials r;
  if (!o.dir.empty()) {
    r = load_credentials(o.dir);
    if (!o.server_ca.empty()) r.tls.server_ca_pem = read_file(o.server_ca);
  } else {
    r.tls = client_tls_from_files(o.cert, o.key, o.server_ca);
  }
  if (!o.server.empty()) r.servers = {o.server};
  return r;
}

std::string percent_encoded(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

void check_reader_options(const ReaderOptions& o) {
  const bool files = !o.cert.empty() || !o.key.empty();
  if (o.dir.empty() == !files)
    throw Error(
        "--server needs the caller's identity: --dir DIR (an enrolled agent) or --cert "
        "FILE --key FILE");
  if (files && (o.cert.empty() || o.key.empty() || o.server_ca.empty()))
    throw Error("--cert needs --key and --server-ca");
}

SecretBytes fetch_secret(const ReaderOptions& options, const std::string& address,
                         const secrets::VersionSelector& which) {
  if (!address.starts_with("Secret/")) throw Error(address + " is not a Secret address");
  const AgentCredentials r = reader(options);
  std::string target = "/v1/secrets/" + address.substr(7) + "?";
  if (!which.version_id.empty())
    target += "version=" + percent_encoded(which.version_id) + "&";
  else
    target += "stage=" + percent_encoded(which.stage) + "&";
  if (!which.field.empty()) target += "field=" + percent_encoded(which.field);
  HttpsResult res = agent_request(r, "GET", target);
  if (res.status != 200) throw Error("serve refused: " + refusal_of(res));
  json j = json::parse(res.body);
  OPENSSL_cleanse(res.body.data(), res.body.size());
  return take_base64_secret(j.at("value").get_ref<std::string&>());
}

json remote_access_check(const ReaderOptions& options, const std::string& action,
                         const std::string& resource,
                         const std::map<std::string, std::string>& context) {
  const AgentCredentials r = reader(options);
  json body = {{"action", action}, {"resource", resource}, {"context", json::object()}};
  for (const auto& [k, v] : context) body["context"][k] = v;
  HttpsResult res = agent_request(r, "POST", "/v1/access/check", body.dump());
  if (res.status != 200) throw Error("serve refused: " + refusal_of(res));
  return json::parse(res.body);
}

}  // namespace keyform::fleet
