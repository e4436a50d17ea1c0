#include "providers/deploy/deployment_target.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <set>
#include <thread>
#include <unordered_map>

#include "providers/builtin.h"
#include "providers/deploy/deploy_contents.h"
#include "providers/deploy/process_runner.h"
#include "providers/deploy/tls_probe.h"
#include "providers/file_system.h"
#include "providers/pki/ca_hierarchy.h"
#include "providers/policy/actions.h"
#include "providers/secrets/secret_read.h"
#include "providers/secrets/secret_versions.h"
#include "state/fleet_records.h"
#include "util/encoding.h"
#include "util/error.h"
#include "util/file_io.h"

namespace keyform {

std::vector<DeployedFile> deployed_files(const Resource& target) {
  std::vector<DeployedFile> out;
  for (const auto& f : target.spec.value("files", nlohmann::json::array())) {
    DeployedFile d;
    d.path = f.value("path", "");
    d.content = f.value("content", "");
    d.format = f.value("format", "pem");
    if (f.contains("mode"))
      d.mode = static_cast<unsigned>(std::stoul(f["mode"].get<std::string>(), nullptr, 8));
    d.owner = f.value("owner", "");
    d.group = f.value("group", "");
    if (f.contains("passwordFrom")) {
      d.password_secret = f["passwordFrom"].value("secret", "");
      d.password_field = f["passwordFrom"].value("field", "");
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> target_hosts(const Resource& target) {
  return target.spec.value("hosts", std::vector<std::string>{});
}

bool target_has_host(const Resource& target, const std::string& host) {
  for (const std::string& pattern : target_hosts(target))
    if (policy::glob_match(pattern, host)) return true;
  return false;
}

std::vector<const RecordedResource*> enrolled_agents(const Resource& target, const State& state) {
  const std::vector<std::string> patterns = target_hosts(target);
  const std::string prefix = std::string(kFleetAgent) + "/";
  std::vector<const RecordedResource*> out;
  auto take = [&](const RecordedResource& agent) {
    if (!agent.attributes.contains("revoked")) out.push_back(&agent);
  };
  const bool literal = std::none_of(patterns.begin(), patterns.end(), [](const std::string& p) {
    return p.find_first_of("*?") != std::string::npos;
  });
  if (literal) {
    std::set<std::string> names(patterns.begin(), patterns.end());
    for (const std::string& host : names)
      if (const RecordedResource* agent = state.find(prefix + host)) take(*agent);
    return out;
  }
  for (const auto& [address, agent] : state.resources.with_prefix(prefix))
    if (target_has_host(target, agent.name)) take(agent);
  return out;
}

std::vector<const RecordedResource*> issuers_of(const RecordedResource& cert,
                                                const RecordedLookup& find) {
  std::vector<const RecordedResource*> out;
  const RecordedResource* at = &cert;
  for (size_t depth = 0; depth < 16; ++depth) {
    std::string issuer = at->attributes.value("issuer", "");
    const RecordedResource* next = issuer.empty() ? nullptr : find(issuer);
    if (!next || next == at) break;
    out.push_back(next);
    at = next;
  }
  return out;
}

namespace {

using Lookup = RecordedLookup;

std::string source_of(const Resource& r) { return r.spec.value("source", ""); }

// The verb a dependent's reason uses for an upstream action.
std::string upstream_verb(ActionType t) {
  switch (t) {
    case ActionType::kCreate:
      return "is created";
    case ActionType::kReplace:
      return "is replaced";
    case ActionType::kRenew:
      return "renews";
    case ActionType::kRotate:
      return "rotates";
    default:
      return "changes";
  }
}

bool deploys(const Resource& r, std::initializer_list<std::string_view> contents) {
  for (const DeployedFile& f : deployed_files(r))
    for (std::string_view c : contents)
      if (f.content == c) return true;
  return false;
}

// The Secrets named by pkcs12 passwordFrom, as addresses, once each.
std::vector<std::string> password_secrets(const Resource& r) {
  std::vector<std::string> out;
  for (const DeployedFile& f : deployed_files(r)) {
    if (f.password_secret.empty()) continue;
    std::string a = "Secret/" + f.password_secret;
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

// The version a Secret's readers get now: its CURRENT version id.
std::string current_version(const RecordedResource& secret) {
  const nlohmann::json* v = secrets::version_with_stage(secret.attributes, "CURRENT");
  return v ? v->value("id", "") : "";
}

bool needs_chain(const Resource& r) {
  return deploys(r, {"chain", "fullchain", "combined", "pkcs12"});
}

// What the deployed files were made from, compared by diff with what was
// recorded at the last deployment: the source certificate's fingerprint
// (plus the CRL number when a CRL is deployed), a trust bundle's digest, or
// a Secret's CURRENT version id; plus the CURRENT version of each pkcs12
// password Secret, so a rotated password redeploys.
std::string source_version(const RecordedResource& src, const Resource& target,
                           const Lookup& find) {
  if (src.kind == "TrustBundle") return "sha256:" + sha256_hex(src.attributes.value("pem", ""));
  if (src.kind == "Secret") return "version:" + current_version(src);
  std::string v = src.attributes.value("fingerprint_sha256", "");
  for (const std::string& a : password_secrets(target)) {
    const RecordedResource* secret = find(a);
    v += "+password:" + a + "@" + (secret ? current_version(*secret) : std::string("none"));
  }
  if (deploys(target, {"crl"})) {
    const nlohmann::json crl = src.attributes.value("crl", nlohmann::json::object());
    v += "+crl:" + (crl.is_object() ? crl.value("number", nlohmann::json()).dump() : "null");
  }
  return v;
}

std::chrono::milliseconds duration_of(const nlohmann::json& spec, const char* field,
                                      const char* fallback) {
  auto d = parse_duration(spec.value(field, fallback));
  return std::chrono::seconds(d ? *d : *parse_duration(fallback));
}

struct TlsCheck {
  std::string address;
  std::string server_name;
  std::chrono::milliseconds timeout{0};
};

std::optional<TlsCheck> tls_check_of(const nlohmann::json& spec) {
  if (!spec.contains("verify") || !spec["verify"].contains("tls")) return std::nullopt;
  const nlohmann::json& tls = spec["verify"]["tls"];
  TlsCheck c;
  c.address = tls.value("address", "");
  c.server_name = tls.value("serverName", "");
  if (c.server_name.empty()) c.server_name = address_host(c.address);
  c.timeout = duration_of(tls, "timeout", "10s");
  return c;
}

std::string short_fingerprint(const std::string& fp) { return fp.substr(0, 16); }

nlohmann::json chain_fingerprints(const std::vector<const RecordedResource*>& chain) {
  nlohmann::json out = nlohmann::json::array();
  for (const RecordedResource* c : chain)
    out.push_back(c->attributes.value("fingerprint_sha256", ""));
  return out;
}

// The base for a resolved (absolute) path: the config directory when it is
// below it, else "/".
std::filesystem::path base_for(const Config& config, const std::filesystem::path& resolved);

bool is_below(const std::filesystem::path& p, const std::filesystem::path& dir) {
  auto rel = p.lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

std::filesystem::path base_for(const Config& config, const std::filesystem::path& resolved) {
  return is_below(resolved, config.dir) ? config.dir : std::filesystem::path("/");
}

// A user or group given by name or number.
template <typename Id, typename Lookup>
Id resolve_id(const std::string& name, const char* what, const std::string& path, Lookup lookup) {
  unsigned long n = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec == std::errc() && end == name.data() + name.size()) return static_cast<Id>(n);
  std::optional<Id> id = lookup(name);
  if (!id) throw Error("no " + std::string(what) + " named \"" + name + "\" for " + path);
  return *id;
}

std::optional<uid_t> user_id(const std::string& name) {
  struct passwd pw, *result = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || !result)
    return std::nullopt;
  return pw.pw_uid;
}

std::optional<gid_t> group_id(const std::string& name) {
  struct group gr, *result = nullptr;
  std::vector<char> buf(16384);
  if (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &result) != 0 || !result)
    return std::nullopt;
  return gr.gr_gid;
}

// The reload command's failure, if it ran and failed.
std::optional<std::string> run_reload(ProcessRunner& processes, const nlohmann::json& spec,
                                      const std::string& dir,
                                      const std::vector<std::string>& hidden_env) {
  if (!spec.contains("reload")) return std::nullopt;
  const nlohmann::json& reload = spec["reload"];
  std::vector<std::string> argv = reload.value("command", std::vector<std::string>{});
  ProcessResult res = processes.run(argv, dir, hidden_env, duration_of(reload, "timeout", "30s"));
  if (res.ok()) return std::nullopt;
  return "reload command " + (argv.empty() ? std::string("(empty)") : argv[0]) + " " +
         describe(res);
}

// Retries until the endpoint serves the deployed certificate or the check's
// timeout passes; the last mismatch or error is the reason.
std::optional<std::string> run_verify(TlsProbe& probe, const nlohmann::json& spec,
                                      const std::string& want, const std::string& serial) {
  std::optional<TlsCheck> tls = tls_check_of(spec);
  if (!tls) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + tls->timeout;
  std::string last;
  for (;;) {
    try {
      ServedCertificate got =
          probe.served(tls->address, tls->server_name, std::chrono::milliseconds(2000));
      if (got.fingerprint_sha256 == want) return std::nullopt;
      last = "serves serial " + got.serial + " (sha256 " +
             short_fingerprint(got.fingerprint_sha256) + "...), not the deployed serial " + serial +
             " (sha256 " + short_fingerprint(want) + "...)";
    } catch (const Error& e) {
      last = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return "verify.tls failed: " + tls->address + " (SNI " + tls->server_name + ") " + last;
}

// Runs the reload command and the TLS check after the files switched. On a
// failure it puts the previous files back, reloads again so the service
// serves them, and throws the reason.
void activate(FileSystem& fs, const DeployEffects& effects, const std::vector<FileToWrite>& writes,
              const Installation& how) {
  const nlohmann::json& spec = *how.spec;
  std::string failure;
  if (std::optional<std::string> why =
          run_reload(*effects.processes, spec, how.dir, how.hidden_env))
    failure = *why;
  if (failure.empty())
    if (std::optional<std::string> why =
            run_verify(*effects.tls, spec, how.fingerprint, how.serial))
      failure = *why;
  if (failure.empty()) return;
  try {
    fs.restore_group(writes);
    failure += "; the previous files were restored";
  } catch (const Error& e) {
    throw Error(failure + "; restoring the previous files failed: " + e.what());
  }
  if (std::optional<std::string> why =
          run_reload(*effects.processes, spec, how.dir, how.hidden_env))
    failure += ", but reloading them failed too: " + *why;
  else if (spec.contains("reload"))
    failure += " and reloaded";
  throw Error(failure);
}

class DeploymentTargetProvider : public Provider {
 public:
  explicit DeploymentTargetProvider(DeployEffects effects) : effects_(std::move(effects)) {}

  std::string_view kind() const override { return "DeploymentTarget"; }

  std::vector<Reference> references(const Resource& r, const Project&) const override {
    std::vector<Reference> refs = {{"/spec/source", source_of(r)}};
    auto files = deployed_files(r);
    for (size_t i = 0; i < files.size(); ++i)
      if (!files[i].password_secret.empty())
        refs.push_back({"/spec/files/" + std::to_string(i) + "/passwordFrom/secret",
                        "Secret/" + files[i].password_secret});
    return refs;
  }

  void validate(const Resource& r, const Config& config,
                const DiagnosticSink& error) const override {
    std::string kind, name;
    std::string source = source_of(r);
    if (!split_address(source, &kind, &name) ||
        (kind != "Certificate" && kind != "CertificateAuthority" && kind != "TrustBundle" &&
         kind != "Secret")) {
      error("/spec/source",
            "expected Certificate/NAME, CertificateAuthority/NAME, TrustBundle/NAME or "
            "Secret/NAME (got \"" +
                source + "\")");
      return;
    }
    if ((kind == "TrustBundle" || kind == "Secret") && tls_check_of(r.spec))
      error("/spec/verify/tls", "a " + kind +
                                    " is not served by an endpoint; verify.tls needs a "
                                    "Certificate or CertificateAuthority source");
    if (std::optional<TlsCheck> tls = tls_check_of(r.spec)) {
      try {
        address_host(tls->address);
      } catch (const Error& e) {
        error("/spec/verify/tls/address", e.what());
      }
    }
    if (r.spec.contains("rollout") && target_hosts(r).empty())
      error("/spec/rollout",
            "rollout limits need spec.hosts: without hosts, apply writes this target itself, "
            "at once");
    std::filesystem::path state_dir = config_path(config, config.project.backend_path);
    std::set<std::string> seen;
    auto files = deployed_files(r);
    for (size_t i = 0; i < files.size(); ++i) {
      const DeployedFile& f = files[i];
      std::string at = "/spec/files/" + std::to_string(i) + "/path";
      std::filesystem::path p(f.path);
      std::string leaf = p.filename().string();
      if (f.path.empty() || leaf.empty() || leaf == "." || leaf == "..") {
        error(at, "expected a file path (got \"" + f.path + "\")");
        continue;
      }
      for (const auto& part : p)
        if (part == "..") error(at, "\"..\" is not allowed in a deployed path");
      std::filesystem::path full = config_path(config, f.path);
      if (!seen.insert(full.string()).second)
        error(at, "path \"" + f.path + "\" is written twice by this target");
      if (is_below(full, state_dir) || full == state_dir)
        error(at, "\"" + f.path + "\" is inside the state directory " + state_dir.string());
      if (!config.project.root_key_file.empty() &&
          full == config_path(config, config.project.root_key_file))
        error(at, "\"" + f.path + "\" is the project's root key file");
      std::string ext = p.extension().string();
      if ((ext == ".yaml" || ext == ".yml") && is_below(full, config.dir))
        error(at, "\"" + f.path + "\" would be read back as configuration; use another extension");
      if (std::optional<ContentProblem> p = check_content(kind, f))
        error("/spec/files/" + std::to_string(i) + "/" + p->field, p->message);
    }
  }

  void validate_all(const Config& config, const ConfigDiagnosticSink& error) const override {
    std::unordered_map<std::string, std::string> writer;  // resolved path -> address
    for (size_t i = 0; i < config.resources.size(); ++i) {
      const Resource& r = config.resources[i];
      // A target with hosts is written below each agent's --dir, not here:
      // two targets for different hosts may name the same relative path.
      if (r.kind != kind() || !target_hosts(r).empty()) continue;
      auto files = deployed_files(r);
      for (size_t j = 0; j < files.size(); ++j) {
        auto [it, fresh] = writer.emplace(config_path(config, files[j].path).string(), r.address());
        if (!fresh && it->second != r.address())
          error(i, "/spec/files/" + std::to_string(j) + "/path",
                "\"" + files[j].path + "\" is also written by " + it->second);
      }
    }
  }

  Change diff(const DiffInput& in) const override {
    Change c;
    const std::string source = source_of(in.desired);
    if (const auto hosts = target_hosts(in.desired); !hosts.empty()) {
      std::string list;
      for (const std::string& h : hosts) list += (list.empty() ? "" : ", ") + h;
      return {ActionType::kNoOp,
              {std::string(kWrittenByAgents) + list +
               " (keyform agent run pulls it from keyform serve); apply does not write it"}};
    }
    // A CA source waiting for its certificate has nothing to deploy yet.
    if (source.starts_with("CertificateAuthority/"))
      if (auto wait = pki::pending_issuer_reason(in, source))
        return {ActionType::kNoOp,
                {*wait,
                 in.recorded ? "would deploy: its source changes" : "would create: not in state"},
                true};
    if (!in.recorded) return {ActionType::kCreate, {"not in state"}};
    for (const std::string& f : in.changed_fields)
      if (f.starts_with("spec.")) c.reasons.push_back(f + " changed");
    if (const Action* a = in.planned(source); a && changes_outputs(a->type))
      c.reasons.push_back("source " + source + " " + upstream_verb(a->type));
    for (const std::string& secret : password_secrets(in.desired))
      if (const Action* a = in.planned(secret); a && changes_outputs(a->type))
        c.reasons.push_back("pkcs12 password " + secret + " " + upstream_verb(a->type));
      else if (a && a->type != ActionType::kNoOp && deploys(in.desired, {"crl", "bundle"}))
        c.reasons.push_back("source " + source + " is updated (what it publishes may change)");
    const RecordedResource* src = in.state.find(source);
    if (c.reasons.empty() && src) {
      if (source_version(*src, in.desired, [&](const std::string& a) {
            return in.state.find(a);
          }) != in.recorded->attributes.value("source_fingerprint", ""))
        c.reasons.push_back("source " + source + " changed since the last deployment");
    }
    if (c.reasons.empty() && src && needs_chain(in.desired)) {
      auto chain = issuers_of(*src, [&](const std::string& a) { return in.state.find(a); });
      for (const RecordedResource* issuer : chain) {
        if (const Action* a = in.planned(issuer->address()); a && changes_outputs(a->type)) {
          c.reasons.push_back("issuer " + issuer->address() + " " + upstream_verb(a->type) +
                              " (the chain changes)");
          break;
        }
      }
      if (c.reasons.empty() &&
          chain_fingerprints(chain) !=
              in.recorded->attributes.value("chain_fingerprints", nlohmann::json()))
        c.reasons.push_back("the chain changed since the last deployment");
    }
    if (!c.reasons.empty()) {
      c.type = ActionType::kDeploy;
    } else if (in.replace_requested) {
      c.type = ActionType::kDeploy;
      c.reasons.push_back("redeployment requested with --replace");
    } else if (!in.changed_fields.empty()) {
      c.type = ActionType::kUpdate;
      for (const std::string& f : in.changed_fields) c.reasons.push_back(f + " changed");
    }
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    if (ctx.action.type == ActionType::kDelete) {
      remove_files(ctx, ctx.recorded->attributes);
      return *ctx.recorded;
    }
    const Resource& r = *ctx.desired;
    const std::string source = source_of(r);
    std::vector<std::string> deps = {source};
    for (const std::string& a : password_secrets(r)) deps.push_back(a);
    RecordedResource rec = record_from(r, deps);
    if (ctx.action.type == ActionType::kUpdate) {
      rec.attributes = ctx.recorded->attributes;
      return rec;
    }
    auto it = ctx.deps.find(source);
    if (it == ctx.deps.end() || !it->second) throw Error(source + " is not in the state");
    const RecordedResource& src = *it->second;
    const Lookup dep = [&](const std::string& a) -> const RecordedResource* {
      auto d = ctx.deps.find(a);
      return d == ctx.deps.end() ? nullptr : d->second.get();
    };
    RenderedDeployment d = render_deployment(r, src, dep, ctx.keyring);
    std::vector<FileToWrite> writes;
    nlohmann::json recorded_files = nlohmann::json::array();
    for (RenderedFile& rf : d.files) {
      const DeployedFile& f = rf.file;
      nlohmann::json entry = {{"path", f.path}, {"content", f.content}, {"mode", f.mode}};
      if (f.format != "pem") entry["format"] = f.format;
      // Digests of public content only: drift can compare them; a key's is not kept.
      if (!is_secret_content(f.content)) entry["sha256"] = sha256_hex(rf.content.view());
      recorded_files.push_back(std::move(entry));
      writes.push_back(file_to_write(f, std::move(rf.content), ctx.config.dir));
    }
    // The reload command never sees the root key, however it was given.
    install_deployment(ctx.files, effects_, writes,
                       {&r.spec,
                        ctx.config.dir.string(),
                        {"KEYFORM_ROOT_KEY", ctx.config.project.root_key_env},
                        d.source_fingerprint,
                        d.source_serial});
    if (ctx.recorded) remove_files(ctx, ctx.recorded->attributes);
    rec.attributes = {{"files", recorded_files},
                      {"source", source},
                      {"source_fingerprint", d.source_version},
                      {"source_serial", d.source_serial},
                      {"chain_fingerprints", d.chain_fingerprints}};
    if (std::optional<TlsCheck> tls = tls_check_of(r.spec))
      rec.attributes["verify_tls"] = {
          {"address", tls->address},
          {"serverName", tls->server_name},
          {"fingerprint_sha256", src.attributes.value("fingerprint_sha256", "")},
          {"serial", src.attributes.value("serial", "")}};
    return rec;
  }

  // Each recorded file: present, a regular file (not a link), its recorded
  // mode, and its content. Public contents are compared with the digest
  // recorded at deployment; a private key (no digest is kept, by design)
  // with the source's sealed key, when a root key is available.
  Observation observe(const RecordedResource& recorded, ObserveContext& ctx) const override {
    Observation o;
    const std::string source = recorded.attributes.value("source", "");
    for (const auto& f : recorded.attributes.value("files", nlohmann::json::array())) {
      const std::string path = f.value("path", "");
      const std::filesystem::path full = config_path(ctx.config, path);
      struct stat st;
      if (::lstat(full.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
          o.note(Observation::kDeleted, path + " is missing");
        else
          o.note(Observation::kModified, path + " cannot be read: " + errno_text(errno));
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        o.note(Observation::kModified, path + " is a symbolic link");
        continue;
      }
      if (!S_ISREG(st.st_mode)) {
        o.note(Observation::kModified, path + " is not a regular file");
        continue;
      }
      const unsigned mode = st.st_mode & 07777, expected = f.value("mode", 0600u);
      if (mode != expected)
        o.note(Observation::kModified,
               path + " has mode " + octal(mode) + ", expected " + octal(expected));
      SecretBytes content;
      try {
        content = read_secret_file(full);
      } catch (const Error& e) {
        o.note(Observation::kModified, e.what());
        continue;
      }
      if (f.contains("sha256")) {
        if (sha256_hex(content.view()) != f["sha256"].get<std::string>())
          o.note(Observation::kModified, path + " was changed");
      } else if (f.value("content", "") == "privateKey") {
        compare_private_key(recorded, source, path, f.value("format", "pem") == "der", content, ctx,
                            o);
      } else if (const std::string c = f.value("content", "");
                 c == "value" || c.starts_with("field:")) {
        compare_secret_value(recorded, source, path, c, content, ctx, o);
      }
    }
    observe_endpoint(recorded, o);
    return o;
  }

 private:
  DeployEffects effects_;

  // Drift of the endpoint a deployment verified: serving another
  // certificate is MODIFIED; not answering is NOT_CHECKED (a stopped
  // service is not a changed deployment). A mismatch is asked again twice:
  // a server that is reloading finishes old connections with its previous
  // workers, which still hold the previous certificate.
  void observe_endpoint(const RecordedResource& recorded, Observation& o) const {
    const nlohmann::json tls = recorded.attributes.value("verify_tls", nlohmann::json());
    if (!tls.is_object()) return;
    const std::string address = tls.value("address", ""), sni = tls.value("serverName", "");
    const std::string want = tls.value("fingerprint_sha256", "");
    std::string other;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
      try {
        ServedCertificate got = effects_.tls->served(address, sni, std::chrono::milliseconds(3000));
        if (got.fingerprint_sha256 == want) return;
        other = got.serial;
      } catch (const Error& e) {
        o.note(Observation::kNotChecked, address + " not checked: " + e.what());
        return;
      }
    }
    o.note(Observation::kModified, address + " (SNI " + sni + ") serves serial " + other +
                                       ", not the deployed " + tls.value("serial", ""));
  }

  static std::string octal(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
  }

  static void compare_private_key(const RecordedResource& recorded, const std::string& source,
                                  const std::string& path, bool der, const SecretBytes& content,
                                  ObserveContext& ctx, Observation& o) {
    const RecordedResource* src = ctx.state.find(source);
    if (!src || !src->objects.count("privateKey")) {
      o.note(Observation::kNotChecked, path + " not compared: " + source + " has no key recorded");
      return;
    }
    // After a re-issue the sealed key is the new one, and the plan
    // redeploys: comparing now would call a stale file "changed".
    if (src->attributes.value("fingerprint_sha256", "") !=
        recorded.attributes.value("source_fingerprint", "")) {
      o.note(Observation::kNotChecked,
             path + " not compared: " + source + " was re-issued since the last deployment");
      return;
    }
    if (!ctx.keyring) {
      o.note(Observation::kNotChecked, path + " not compared: no root key available");
      return;
    }
    try {
      SecretBytes key = ctx.keyring->open(object_id(*src, "privateKey"), private_key_context(*src));
      if (der) key = pem_to_der(key.view(), source + "'s key");
      if (key.view() != content.view()) o.note(Observation::kModified, path + " was changed");
    } catch (const Error&) {
      o.note(Observation::kNotChecked,
             path + " not compared: " + source + "'s sealed key cannot be opened");
    }
  }

  // A deployed Secret value against the version it was deployed from (no
  // digest is kept: a short value's digest could be brute-forced).
  static void compare_secret_value(const RecordedResource& recorded, const std::string& source,
                                   const std::string& path, const std::string& content,
                                   const SecretBytes& deployed, ObserveContext& ctx,
                                   Observation& o) {
    const RecordedResource* src = ctx.state.find(source);
    if (!src || src->kind != "Secret") {
      o.note(Observation::kNotChecked, path + " not compared: " + source + " is not recorded");
      return;
    }
    // After a rotation the plan redeploys: the file is stale, not changed.
    if ("version:" + current_version(*src) != recorded.attributes.value("source_fingerprint", "")) {
      o.note(Observation::kNotChecked,
             path + " not compared: " + source + " rotated since the last deployment");
      return;
    }
    if (!ctx.keyring) {
      o.note(Observation::kNotChecked, path + " not compared: no root key available");
      return;
    }
    try {
      secrets::VersionSelector which;
      if (content != "value") which.field = content.substr(6);
      SecretBytes value = secrets::read_secret_version(*src, *ctx.keyring, which);
      if (value.view() != deployed.view()) o.note(Observation::kModified, path + " was changed");
    } catch (const Error&) {
      o.note(Observation::kNotChecked, path + " not compared: " + source + " cannot be read");
    }
  }

  // Removes the files an earlier deployment wrote that no target in the
  // config writes now: a changed path leaves no stale copy, and a renamed
  // target does not delete what its new name just deployed.
  static void remove_files(ApplyContext& ctx, const nlohmann::json& recorded) {
    std::vector<std::filesystem::path> gone;
    for (const auto& f : recorded.value("files", nlohmann::json::array()))
      gone.push_back(config_path(ctx.config, f.value("path", "")));
    if (ctx.desired)
      for (const DeployedFile& f : deployed_files(*ctx.desired))
        std::erase(gone, config_path(ctx.config, f.path));
    if (gone.empty()) return;  // the common case: same paths, nothing to scan
    std::set<std::filesystem::path> kept;
    for (const Resource& r : ctx.config.resources)
      if (r.kind == "DeploymentTarget")
        for (const DeployedFile& f : deployed_files(r))
          kept.insert(config_path(ctx.config, f.path));
    for (const std::filesystem::path& p : gone)
      if (!kept.count(p)) ctx.files.remove(base_for(ctx.config, p), p);
  }
};

}  // namespace

RenderedDeployment render_deployment(const Resource& target, const RecordedResource& source,
                                     const RecordedLookup& find, Keyring& keyring) {
  RenderedDeployment d;
  d.source = source.address();
  auto chain = issuers_of(source, find);
  ContentInputs inputs{source, chain, &keyring, {}};
  // The CURRENT version of the passwordFrom Secret (a dependency: apply
  // applied it first, so a rotation this run is what the file gets).
  inputs.password = [&](const DeployedFile& f) {
    const std::string a = "Secret/" + f.password_secret;
    const RecordedResource* secret = find(a);
    if (!secret) throw Error(a + " (the pkcs12 password of " + f.path + ") is not in the state");
    secrets::VersionSelector which;
    which.field = f.password_field;
    return secrets::read_secret_version(*secret, keyring, which);
  };
  for (const DeployedFile& f : deployed_files(target))
    d.files.push_back({f, render_content(f, inputs)});
  d.source_version = source_version(source, target, find);
  d.source_serial = source.attributes.value("serial", "");
  d.source_fingerprint = source.attributes.value("fingerprint_sha256", "");
  // A Secret bundling a certificate: that certificate's.
  if (source.kind == "Secret" && source.attributes.contains("certificate_serial")) {
    d.source_serial = source.attributes.value("certificate_serial", "");
    for (const std::string& dep : source.dependencies)
      if (const RecordedResource* c = dep.starts_with("Certificate/") ? find(dep) : nullptr;
          c && c->attributes.value("serial", "") == d.source_serial)
        d.source_fingerprint = c->attributes.value("fingerprint_sha256", "");
  }
  d.chain_fingerprints = chain_fingerprints(chain);
  return d;
}

std::string deployment_source_version(const Resource& target, const RecordedResource& source,
                                      const RecordedLookup& find) {
  return source_version(source, target, find);
}

FileToWrite file_to_write(const DeployedFile& f, SecretBytes content,
                          const std::filesystem::path& dir) {
  FileToWrite w;
  const std::filesystem::path p(f.path);
  w.base = p.is_relative() ? dir : std::filesystem::path("/");
  w.path = (p.is_relative() ? dir / p : p).lexically_normal();
  w.mode = static_cast<mode_t>(f.mode);
  w.content = std::move(content);
  if (!f.owner.empty()) w.owner = resolve_id<uid_t>(f.owner, "user", f.path, user_id);
  if (!f.group.empty()) w.group = resolve_id<gid_t>(f.group, "group", f.path, group_id);
  return w;
}

void install_deployment(FileSystem& fs, const DeployEffects& effects,
                        std::vector<FileToWrite>& writes, const Installation& how) {
  // Switches every file, or none (it restores what it switched and throws).
  fs.write_group(writes);
  try {
    activate(fs, effects, writes, how);
  } catch (...) {
    // activate restored already and said how that went; this only covers
    // an unexpected exception, and must not replace the reason.
    try {
      fs.restore_group(writes);
    } catch (const Error&) {
    }
    throw;
  }
  fs.commit_group(writes);
}

std::unique_ptr<Provider> make_deployment_target_provider(DeployEffects effects) {
  if (!effects.processes) effects.processes = std::make_shared<PosixProcessRunner>();
  if (!effects.tls) effects.tls = std::make_shared<OpenSslTlsProbe>();
  return std::make_unique<DeploymentTargetProvider>(std::move(effects));
}

std::unique_ptr<Provider> make_deployment_target_provider() {
  return make_deployment_target_provider(DeployEffects{});
}

}  // namespace keyform
