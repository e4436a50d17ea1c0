#pragma once
// A small world for provider tests: a Config to add resources to, a State
// that apply() records into, and a Keyring over an in-memory object store.
// diff() computes changed fields the way the planner does (digests of the
// desired resource against the recorded ones).
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "providers/file_system.h"
#include "providers/provider.h"
#include "state/keyring.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform::testing {

class MemoryObjectStore : public ObjectStore {
 public:
  void put(const std::string& id, std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_[id] = std::string(bytes);
  }
  std::string get(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(id);
    if (it == objects_.end()) throw Error("object " + id + " is missing");
    return it->second;
  }
  bool exists(const std::string& id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return objects_.count(id) > 0;
  }
  void remove(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    objects_.erase(id);
  }
  std::vector<std::string> list() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> ids;
    for (const auto& [id, bytes] : objects_) ids.push_back(id);
    return ids;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> objects_;
};

// PKI and KMS providers never touch files.
class NoFileSystem : public FileSystem {
 public:
  void write_group(std::vector<FileToWrite>&) override { throw Error("unexpected file write"); }
  void restore_group(const std::vector<FileToWrite>&) override {
    throw Error("unexpected file restore");
  }
  void commit_group(const std::vector<FileToWrite>&) override {
    throw Error("unexpected file commit");
  }
  void remove(const std::filesystem::path&, const std::filesystem::path&) override {
    throw Error("unexpected file removal");
  }
};

inline std::vector<std::string> changed_fields(const Resource& desired,
                                               const RecordedResource& recorded) {
  std::map<std::string, std::string> now;
  digest_resource(desired, nullptr, &now);
  std::set<std::string> names;
  for (const auto& [k, v] : now) names.insert(k);
  for (const auto& [k, v] : recorded.field_digests) names.insert(k);
  std::vector<std::string> out;
  for (const auto& name : names) {
    auto a = now.find(name);
    auto b = recorded.field_digests.find(name);
    if (a == now.end() || b == recorded.field_digests.end() || a->second != b->second)
      out.push_back(name);
  }
  return out;
}

class ProviderWorld {
 public:
  ProviderWorld() : keyring_(random_secret(32), store_) {}

  // Adds or replaces a resource in the config.
  void put(const std::string& kind, const std::string& name, nlohmann::json spec,
           const std::string& description = "") {
    Resource r;
    r.kind = kind;
    r.name = name;
    r.description = description;
    r.spec = std::move(spec);
    auto it = config.by_address.find(r.address());
    if (it != config.by_address.end()) {
      config.resources[it->second] = std::move(r);
    } else {
      config.by_address[r.address()] = config.resources.size();
      config.resources.push_back(std::move(r));
    }
  }

  const Resource& resource(const std::string& address) const {
    const Resource* r = config.find(address);
    if (!r) throw Error(address + " is not in the test config");
    return *r;
  }

  // Planned actions of other addresses, as the planner would pass them.
  std::map<std::string, Action> planned;

  Change diff(const Provider& p, const std::string& address, UnixTime now,
              bool replace_requested = false) const {
    const Resource& desired = resource(address);
    const RecordedResource* recorded = state.find(address);
    DiffInput in{.desired = desired,
                 .recorded = recorded,
                 .changed_fields =
                     recorded ? changed_fields(desired, *recorded) : std::vector<std::string>{},
                 .now = now,
                 .replace_requested = replace_requested,
                 .planned = [this](const std::string& a) -> const Action* {
                   auto it = planned.find(a);
                   return it == planned.end() ? nullptr : &it->second;
                 },
                 .state = state,
                 .config = config};
    return p.diff(in);
  }

  // Applies and records the result in the state (every recorded entry is a
  // dependency candidate). `files`: where a DeploymentTarget writes (the
  // default refuses every write).
  const RecordedResource& apply(const Provider& p, const std::string& address, ActionType type,
                                UnixTime now, FileSystem* files = nullptr) {
    Action action;
    action.id = "test-" + std::to_string(++actions_);
    action.address = address;
    action.type = type;
    ApplyContext ctx{.action = action,
                     .desired = config.find(address),
                     .recorded = state.find(address),
                     .deps = {},
                     .config = config,
                     .now = now,
                     .keyring = keyring_,
                     .files = files ? *files : files_};
    for (const auto& [a, rec] : state.resources)
      if (a != address) ctx.deps[a] = state.resources.share(a);
    RecordedResource rec = p.apply(ctx);
    state.resources.put(address, std::move(rec));
    return *state.find(address);
  }

  // Runs validate and collects "field: message" lines.
  std::vector<std::string> validate(const Provider& p, const std::string& address) const {
    std::vector<std::string> errors;
    p.validate(resource(address), config,
               [&](const std::string& field, const std::string& message) {
                 errors.push_back(field + ": " + message);
               });
    return errors;
  }

  Keyring& keyring() { return keyring_; }
  MemoryObjectStore& store() { return store_; }

  Config config;
  State state;

 private:
  MemoryObjectStore store_;
  Keyring keyring_;
  NoFileSystem files_;
  int actions_ = 0;
};

}  // namespace keyform::testing
