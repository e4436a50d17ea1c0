#pragma once
// `keyform secret get --server` and `keyform access check --server`: the
// caller's side of serve's reader endpoints (fleet/reader_api.h). The caller
// is who its client certificate says: an enrolled agent's identity
// (`--dir DIR`) or a certificate and key of the agent CA (`--cert`, `--key`).
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fleet/https_client.h"
#include "providers/secrets/secret_read.h"
#include "util/secret_bytes.h"

namespace keyform::fleet {

struct ReaderOptions {
  std::string server;               // https://HOST:PORT; "" from DIR's agent.json
  std::filesystem::path dir;        // an enrolled agent's directory
  std::filesystem::path cert, key;  // or a certificate and its key
  std::filesystem::path server_ca;  // "" from DIR/identity/server-ca.pem
};

// Throws keyform::Error when the options name no usable identity.
void check_reader_options(const ReaderOptions& options);

// GET /v1/secrets/NAME: the value, or keyform::Error with serve's refusal.
SecretBytes fetch_secret(const ReaderOptions& options, const std::string& address,
                         const secrets::VersionSelector& which);

// POST /v1/access/check: the decision for the caller (decision_json's form,
// with "text").
nlohmann::json remote_access_check(const ReaderOptions& options, const std::string& action,
                                   const std::string& resource,
                                   const std::map<std::string, std::string>& context);

}  // namespace keyform::fleet
