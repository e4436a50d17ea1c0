#include "providers/secrets/secret_versions.h"

#include <algorithm>

namespace keyform::secrets {

std::string version_context(const std::string& address, const std::string& version_id) {
  return address + "#version/" + version_id;
}

std::string version_role(const std::string& version_id) { return "version/" + version_id; }

namespace {
bool has_stage(const nlohmann::json& version, std::string_view stage) {
  for (const auto& s : version.value("stages", nlohmann::json::array()))
    if (s.is_string() && s.get_ref<const std::string&>() == stage) return true;
  return false;
}
}  // namespace

const nlohmann::json* version_with_stage(const nlohmann::json& attributes, std::string_view stage) {
  auto versions = attributes.find("versions");
  if (versions == attributes.end()) return nullptr;
  for (const auto& v : *versions)
    if (has_stage(v, stage)) return &v;
  return nullptr;
}

const nlohmann::json* find_version(const nlohmann::json& attributes, const std::string& id) {
  auto versions = attributes.find("versions");
  if (versions == attributes.end()) return nullptr;
  for (const auto& v : *versions)
    if (v.value("id", "") == id) return &v;
  return nullptr;
}

nlohmann::json* find_version(nlohmann::json& attributes, const std::string& id) {
  return const_cast<nlohmann::json*>(find_version(std::as_const(attributes), id));
}

void move_stage(nlohmann::json& attributes, std::string_view stage, const std::string& id) {
  for (auto& v : attributes["versions"]) {
    auto& stages = v["stages"];
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& s : stages)
      if (s != stage) kept.push_back(s);
    if (v.value("id", "") == id) kept.push_back(stage);
    stages = std::move(kept);
  }
}

void drop_unlabelled(RecordedResource& rec) {
  nlohmann::json kept = nlohmann::json::array();
  for (auto& v : rec.attributes["versions"]) {
    if (v.value("stages", nlohmann::json::array()).empty())
      rec.objects.erase(version_role(v.value("id", "")));
    else
      kept.push_back(std::move(v));
  }
  rec.attributes["versions"] = std::move(kept);
}

}  // namespace keyform::secrets
