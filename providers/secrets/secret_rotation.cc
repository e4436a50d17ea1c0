#include "providers/secrets/secret_rotation.h"

#include "providers/secrets/secret_read.h"
#include "providers/secrets/secret_versions.h"
#include "util/error.h"
#include "util/random.h"

namespace keyform::secrets {

namespace {

void record_step(ApplyContext& ctx, RecordedResource& rec, const char* step) {
  rec.attributes["rotation"]["step"] = step;
  if (ctx.record_progress) ctx.record_progress(rec);
}

SecretBytes open_version(ApplyContext& ctx, const RecordedResource& rec, const std::string& id) {
  return ctx.keyring.open(object_id(rec, version_role(id)), version_context(rec.address(), id));
}

}  // namespace

SecretBytes password_of(const SecretBytes& value, const std::string& address) {
  if (value.empty() || value.data()[0] != '{') return value;
  try {
    return value_field(value, "password", address);
  } catch (const Error&) {
    return value;  // no password field: only regenerate rotates such a value
  }
}

RecordedResource rotate(ApplyContext& ctx, RecordedResource rec, const KeyRef& key,
                        const RotationStrategy& strategy, const ValueMaker& make_value) {
  const std::string address = rec.address();
  nlohmann::json& a = rec.attributes;
  if (!a.contains("versions")) a["versions"] = nlohmann::json::array();

  if (!a.contains("rotation")) {
    const std::string id = random_id(8);
    const std::string username = strategy.next_username(a);
    SecretBytes value = make_value(username);
    rec.objects[version_role(id)] = ctx.keyring.seal(version_context(address, id), value, key);
    nlohmann::json version = {{"id", id},
                              {"created", format_rfc3339(ctx.now)},
                              {"created_unix", ctx.now},
                              {"stages", nlohmann::json::array()}};
    if (!username.empty()) version["username"] = username;
    a["versions"].push_back(std::move(version));
    move_stage(a, kPending, id);
    drop_unlabelled(rec);
    a["rotation"] = {{"version", id}, {"started", format_rfc3339(ctx.now)}};
    record_step(ctx, rec, "create");
  }

  const std::string id = a["rotation"].value("version", "");
  const nlohmann::json* pending = find_version(a, id);
  if (!pending) throw Error(address + ": the rotation names version " + id + ", which is gone");
  const std::string username = pending->value("username", "");
  SecretBytes password = password_of(open_version(ctx, rec, id), address);

  if (a["rotation"].value("step", "") == "create") {
    strategy.set(username, password);
    record_step(ctx, rec, "set");
  }
  if (a["rotation"].value("step", "") == "set") {
    std::string why = strategy.test(username, password);
    if (!why.empty()) {
      std::string restored;
      if (const nlohmann::json* current = version_with_stage(a, kCurrent)) {
        const std::string cid = current->value("id", "");
        try {
          strategy.restore(current->value("username", ""),
                           password_of(open_version(ctx, rec, cid), address));
        } catch (const Error& e) {
          restored = "; putting CURRENT back also failed: " + std::string(e.what());
        }
      }
      record_step(ctx, rec, "create");  // the next attempt sets it again
      throw Error(address + ": the test step of the rotation to version " + id +
                  " failed, CURRENT is unchanged: " + why + restored);
    }
    record_step(ctx, rec, "test");
  }

  // finish
  const nlohmann::json* current = version_with_stage(a, kCurrent);
  const std::string old = current ? current->value("id", "") : "";
  move_stage(a, kCurrent, id);
  if (!old.empty() && old != id) move_stage(a, kPrevious, old);
  for (auto& v : a["versions"])
    if (v.value("id", "") == id) {
      nlohmann::json stages = nlohmann::json::array();
      for (const auto& s : v["stages"])
        if (s != kPending) stages.push_back(s);
      v["stages"] = std::move(stages);
    }
  drop_unlabelled(rec);
  a.erase("rotation");
  a["last_rotated"] = format_rfc3339(ctx.now);
  a["last_rotated_unix"] = ctx.now;
  return rec;
}

}  // namespace keyform::secrets
