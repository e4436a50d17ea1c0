// keyform show [ADDR]: the recorded state, without secret material (the
// state holds none: private keys and values live only in sealed objects).
#include <iostream>

#include "reconciler/cli/commands.h"
#include "state/fleet_records.h"
#include "util/error.h"
#include "util/time.h"

namespace keyform::cli {

namespace {

struct ShowCommand {
  std::string address;
  bool json = false;
};

void print_entry(const RecordedResource& r, bool full, const Style& style) {
  std::cout << style.bold(r.address()) << "\n";
  for (const auto& [key, value] : r.attributes.items()) {
    bool pem = key.size() > 4 && key.compare(key.size() - 4, 4, "_pem") == 0;
    if (pem && !full) continue;  // long; shown for a single address
    if (value.is_string()) {
      std::string v = value.get<std::string>();
      if (pem) {
        std::cout << "  " << key << ":\n";
        std::string line;
        for (char c : v) {
          if (c == '\n') {
            std::cout << "    " << line << "\n";
            line.clear();
          } else {
            line += c;
          }
        }
      } else {
        std::cout << "  " << key << ": " << v << "\n";
      }
    } else {
      std::cout << "  " << key << ": " << value.dump() << "\n";
    }
  }
  for (const auto& [role, id] : r.objects)
    std::cout << "  object " << role << ": " << id << " (sealed)\n";
  if (!r.dependencies.empty()) {
    std::cout << "  depends on:";
    for (const std::string& d : r.dependencies) std::cout << " " << d;
    std::cout << "\n";
  }
  if (r.deletion_protection) std::cout << "  deletion protection: on\n";
  if (r.updated_at) std::cout << "  updated: " << format_rfc3339(r.updated_at) << "\n";
}

// What the agents reported for DeploymentTarget/<name> (docs/fleet.md):
// per host, the serial it deployed and when, or its last failure.
const RecordedResource* fleet_inventory(const State& state, const std::string& address) {
  std::string kind, name;
  if (!split_address(address, &kind, &name) || kind != "DeploymentTarget") return nullptr;
  return state.find(std::string(kFleetInventory) + "/" + name);
}

void print_hosts(const nlohmann::json& hosts, const Style& style, UnixTime now) {
  std::cout << "  hosts (reported by keyform agent):\n";
  for (const auto& [host, h] : hosts.items()) {
    std::cout << "    " << style.bold(host) << "  " << h.value("principal", "") << "\n";
    if (h.contains("deployed"))
      std::cout << "      deployed serial " << h.value("serial", "") << " (sha256 "
                << h.value("fingerprint_sha256", "").substr(0, 16) << "...) "
                << h.value("version", "") << " at " << h.value("deployed", "") << "\n";
    if (h.value("outcome", "") == "failed")
      std::cout << "      " << style.red("failed") << " at " << h.value("reported", "") << ": "
                << h.value("error", "") << "\n";
    if (h.contains("rollout")) {
      const std::string until = h["rollout"].value("until", "");
      const std::optional<UnixTime> end = parse_rfc3339(until);
      if (end && *end <= now)
        std::cout << "      " << style.red("timed out") << " deploying "
                  << h["rollout"].value("version", "") << ": no report by " << until
                  << " (counted against maxErrors until it reports)\n";
      else
        std::cout << "      deploying " << h["rollout"].value("version", "")
                  << " (its place in the rollout is held until " << until << ")\n";
    }
  }
}

int run_show(const GlobalOptions& global, const ShowCommand& opts) {
  Workspace ws(global);
  auto loaded = ws.load_state(LockMode::kShared, "show");
  const State& state = loaded.state();
  if (!opts.address.empty()) {
    const RecordedResource* r = state.find(opts.address);
    const RecordedResource* inventory = fleet_inventory(state, opts.address);
    if (!r && !inventory) throw Error(opts.address + " is not in the state");
    const nlohmann::json hosts =
        inventory ? inventory->attributes.value("hosts", nlohmann::json::object())
                  : nlohmann::json();
    if (opts.json) {
      nlohmann::json j = r ? to_json(*r) : nlohmann::json{{"address", opts.address}};
      if (inventory) j["hosts"] = hosts;
      std::cout << j.dump(2) << "\n";
    } else {
      if (r)
        print_entry(*r, true, ws.style());
      else
        std::cout << ws.style().bold(opts.address) << "\n";
      if (inventory) print_hosts(hosts, ws.style(), ws.now());
    }
    return kExitOk;
  }
  if (opts.json) {
    std::cout << to_json(state).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "State serial " << state.serial << ", lineage " << state.lineage << ", "
            << state.resources.size() << " resources.\n";
  if (!state.git_commit.empty())
    std::cout << "Last applied commit " << state.git_commit << " by " << state.git_author << " ("
              << format_rfc3339(state.git_commit_time) << ")"
              << (state.git_dirty ? ", with uncommitted changes (--allow-dirty)" : "") << ".\n";
  for (const auto& [address, r] : state.resources) {
    std::cout << "\n";
    print_entry(r, false, ws.style());
  }
  return kExitOk;
}

}  // namespace

void register_show(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<ShowCommand>();
  CLI::App* cmd = app.add_subcommand("show", "Print the recorded state (no secret material)");
  cmd->add_option("address", opts->address, "Only this address, e.g. Certificate/web");
  cmd->add_flag("--json", opts->json, "Print as JSON");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_show(global, *opts); }; });
}

}  // namespace keyform::cli
