#include "providers/deploy/deployment_target.h"

#include <grp.h>
#include <pwd.h>

#include <set>

#include "providers/builtin.h"
#include "providers/file_system.h"
#include "util/encoding.h"
#include "util/error.h"

namespace keyform {

std::vector<DeployedFile> deployed_files(const Resource& target) {
  std::vector<DeployedFile> out;
  for (const auto& f : target.spec.value("files", nlohmann::json::array())) {
    DeployedFile d;
    d.path = f.value("path", "");
    d.content = f.value("content", "");
    if (f.contains("mode"))
      d.mode = static_cast<unsigned>(std::stoul(f["mode"].get<std::string>(), nullptr, 8));
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

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

bool needs_chain(const Resource& r) {
  for (const DeployedFile& f : deployed_files(r))
    if (f.content == "chain" || f.content == "fullchain") return true;
  return false;
}

// The issuers' certificates, nearest first, as recorded now: a CA that
// renewed since the certificate was issued contributes its new certificate.
std::string chain_of(const RecordedResource& cert,
                     const std::map<std::string, const RecordedResource*>& deps) {
  std::string chain;
  const RecordedResource* at = &cert;
  for (size_t depth = 0; depth < 16; ++depth) {
    std::string issuer = at->attributes.value("issuer", "");
    auto it = deps.find(issuer);
    if (issuer.empty() || it == deps.end() || !it->second || it->second == at) break;
    at = it->second;
    chain += at->attributes.value("certificate_pem", "");
  }
  return chain;
}

std::filesystem::path resolve(const Config& config, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = config.dir / p;
  return p.lexically_normal();
}

std::filesystem::path base_of(const Config& config, const std::string& path) {
  return std::filesystem::path(path).is_relative() ? config.dir : std::filesystem::path("/");
}

class DeploymentTargetProvider : public Provider {
 public:
  std::string_view kind() const override { return "DeploymentTarget"; }

  std::vector<Reference> references(const Resource& r, const Project&) const override {
    return {{"/spec/source", source_of(r)}};
  }

  void validate(const Resource& r, const Config&, const DiagnosticSink& error) const override {
    std::string kind, name;
    std::string source = source_of(r);
    if (!split_address(source, &kind, &name) ||
        (kind != "Certificate" && kind != "CertificateAuthority")) {
      error("/spec/source",
            "expected Certificate/NAME or CertificateAuthority/NAME (got \"" + source + "\")");
      return;
    }
    std::set<std::string> seen;
    auto files = deployed_files(r);
    for (size_t i = 0; i < files.size(); ++i) {
      const DeployedFile& f = files[i];
      std::string at = "/spec/files/" + std::to_string(i);
      if (f.path.empty() || f.path.back() == '/')
        error(at + "/path", "expected a file path (got \"" + f.path + "\")");
      std::filesystem::path p(f.path);
      for (const auto& part : p)
        if (part == "..") error(at + "/path", "\"..\" is not allowed in a deployed path");
      if (!seen.insert(p.lexically_normal().string()).second)
        error(at + "/path", "path \"" + f.path + "\" is written twice by this target");
      if (f.content == "privateKey" && kind != "Certificate")
        error(at + "/content",
              "privateKey can only be deployed from a Certificate; a CA's key never leaves the "
              "store");
    }
  }

  Change diff(const DiffInput& in) const override {
    Change c;
    const std::string source = source_of(in.desired);
    if (!in.recorded) {
      c.type = ActionType::kCreate;
      c.reasons.push_back("not in state");
      return c;
    }
    for (const std::string& f : in.changed_fields)
      if (f.rfind("spec.", 0) == 0) c.reasons.push_back(f + " changed");
    if (const Action* a = in.planned(source); a && changes_outputs(a->type))
      c.reasons.push_back("source " + source + " " + upstream_verb(a->type));
    if (c.reasons.empty() && needs_chain(in.desired)) {
      if (const RecordedResource* src = in.state.find(source)) {
        std::string issuer = src->attributes.value("issuer", "");
        if (const Action* a = issuer.empty() ? nullptr : in.planned(issuer);
            a && changes_outputs(a->type))
          c.reasons.push_back("issuer " + issuer + " " + upstream_verb(a->type) +
                              " (the chain changes)");
      }
    }
    if (c.reasons.empty()) {
      const RecordedResource* src = in.state.find(source);
      std::string deployed = in.recorded->attributes.value("source_fingerprint", "");
      if (src && src->attributes.value("fingerprint_sha256", "") != deployed)
        c.reasons.push_back("source " + source + " changed since the last deployment");
    }
    if (!c.reasons.empty()) {
      c.type = ActionType::kDeploy;
    } else if (!in.changed_fields.empty()) {
      c.type = ActionType::kUpdate;
      for (const std::string& f : in.changed_fields) c.reasons.push_back(f + " changed");
    } else if (in.replace_requested) {
      c.type = ActionType::kDeploy;
      c.reasons.push_back("redeployment requested with --replace");
    }
    return c;
  }

  RecordedResource apply(ApplyContext& ctx) const override {
    if (ctx.action.type == ActionType::kDelete) {
      for (const auto& f : ctx.recorded->attributes.value("files", nlohmann::json::array())) {
        std::string path = f.value("path", "");
        ctx.files.remove(base_of(ctx.config, path), resolve(ctx.config, path));
      }
      return *ctx.recorded;
    }
    const Resource& r = *ctx.desired;
    const std::string source = source_of(r);
    RecordedResource rec = record_from(r, {source});
    if (ctx.action.type == ActionType::kUpdate) {
      rec.attributes = ctx.recorded->attributes;
      return rec;
    }
    auto it = ctx.deps.find(source);
    if (it == ctx.deps.end() || !it->second) throw Error(source + " is not in the state");
    const RecordedResource& src = *it->second;
    const std::string cert = src.attributes.value("certificate_pem", "");
    const std::string chain = chain_of(src, ctx.deps);

    std::vector<FileToWrite> writes;
    nlohmann::json recorded_files = nlohmann::json::array();
    for (const DeployedFile& f : deployed_files(r)) {
      FileToWrite w;
      w.path = resolve(ctx.config, f.path);
      w.mode = static_cast<mode_t>(f.mode);
      if (f.content == "certificate") {
        w.content = SecretBytes(cert);
      } else if (f.content == "chain") {
        w.content = SecretBytes(chain);
      } else if (f.content == "fullchain") {
        w.content = SecretBytes(cert + chain);
      } else if (f.content == "privateKey") {
        auto key = src.objects.find("privateKey");
        if (key == src.objects.end()) throw Error(source + " has no private key recorded");
        w.content = ctx.keyring.open(key->second, source + "#privateKey");
      } else {
        throw Error("unknown content \"" + f.content + "\"");
      }
      set_owner(r, f, w);
      nlohmann::json entry = {{"path", f.path}, {"content", f.content}, {"mode", f.mode}};
      if (f.content != "privateKey") entry["sha256"] = sha256_hex(w.content.view());
      recorded_files.push_back(std::move(entry));
      writes.push_back(std::move(w));
    }
    ctx.files.write_group(ctx.config.dir, writes);
    // Files the previous deployment wrote that this one no longer does.
    if (ctx.recorded) {
      std::set<std::string> now;
      for (const DeployedFile& f : deployed_files(r))
        now.insert(resolve(ctx.config, f.path).string());
      for (const auto& f : ctx.recorded->attributes.value("files", nlohmann::json::array())) {
        std::string path = f.value("path", "");
        if (!now.count(resolve(ctx.config, path).string()))
          ctx.files.remove(base_of(ctx.config, path), resolve(ctx.config, path));
      }
    }
    rec.attributes = {{"files", recorded_files},
                      {"source", source},
                      {"source_fingerprint", src.attributes.value("fingerprint_sha256", "")},
                      {"source_serial", src.attributes.value("serial", "")}};
    return rec;
  }

 private:
  static void set_owner(const Resource& r, const DeployedFile& f, FileToWrite& w) {
    for (const auto& spec : r.spec.value("files", nlohmann::json::array())) {
      if (spec.value("path", "") != f.path) continue;
      if (spec.contains("owner")) {
        std::string owner = spec["owner"];
        struct passwd* pw = ::getpwnam(owner.c_str());
        if (!pw) throw Error("no user named \"" + owner + "\" for " + f.path);
        w.owner = pw->pw_uid;
      }
      if (spec.contains("group")) {
        std::string group = spec["group"];
        struct group* gr = ::getgrnam(group.c_str());
        if (!gr) throw Error("no group named \"" + group + "\" for " + f.path);
        w.group = gr->gr_gid;
      }
    }
  }
};

}  // namespace

std::unique_ptr<Provider> make_deployment_target_provider() {
  return std::make_unique<DeploymentTargetProvider>();
}

}  // namespace keyform
