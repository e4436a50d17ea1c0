#pragma once
// DeploymentTarget: writes a source's outputs (certificate, chain, private
// key) to files, atomically and as a group. See providers/file_system.h for
// the write rules.
#include <string>
#include <vector>

#include "reconciler/config/resource.h"

namespace keyform {

struct DeployedFile {
  std::string path;     // as written in the config
  std::string content;  // certificate, privateKey, chain, fullchain
  unsigned mode = 0600;
  std::string owner;  // user name or uid; "" keeps the writer's
  std::string group;  // group name or gid
};

std::vector<DeployedFile> deployed_files(const Resource& target);

}  // namespace keyform
