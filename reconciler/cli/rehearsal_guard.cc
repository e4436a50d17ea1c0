#include "reconciler/cli/rehearsal_guard.h"

#include <cstdlib>
#include <string_view>

#include "providers/deploy/deployment_target.h"
#include "util/error.h"

namespace keyform::cli {

namespace {

bool below(const std::filesystem::path& path, const std::filesystem::path& dir) {
  auto rel = path.lexically_relative(dir.lexically_normal());
  return !rel.empty() && *rel.begin() != "..";
}

}  // namespace

void check_rehearsal_writes(const Config& config, const Plan& plan) {
  const char* now = std::getenv("KEYFORM_NOW");
  const char* allow = std::getenv("KEYFORM_NOW_WRITE_OUTSIDE");
  if (!now || !*now || (allow && std::string_view(allow) == "1")) return;
  for (const Action& a : plan.actions) {
    if (a.type == ActionType::kNoOp) continue;
    const Resource* target = config.find(a.address);
    if (!target || target->kind != "DeploymentTarget" || target->spec.contains("hosts")) continue;
    for (const DeployedFile& f : deployed_files(*target)) {
      const std::filesystem::path p = config_path(config, f.path);
      if (below(p, config.dir)) continue;
      throw Error("KEYFORM_NOW is set, and " + a.address + " would write " + p.string() +
                  ", outside the configuration directory: a rehearsal with a moved clock would "
                  "replace real files with certificates that are not valid yet. Nothing was "
                  "changed. Unset KEYFORM_NOW, or set KEYFORM_NOW_WRITE_OUTSIDE=1 to write "
                  "them anyway");
    }
  }
}

}  // namespace keyform::cli
