// keyform metrics [--output FILE] [--tag NAME]...: the recorded state as
// Prometheus text (reconciler/render/metrics_text.h, docs/metrics.md). With
// --output the file is replaced atomically (node_exporter's textfile
// collector never reads half a file). Takes the shared lock; no root key.
#include <iostream>
#include <memory>

#include "reconciler/cli/commands.h"
#include "reconciler/config/loader.h"
#include "reconciler/render/metrics_text.h"
#include "util/file_io.h"

namespace keyform::cli {

namespace {

struct MetricsCommand {
  std::string output;
  std::vector<std::string> tags;
  std::string mode = "0644";
};

std::vector<AuditRecord> audit_records(Backend& backend) {
  std::vector<AuditRecord> out;
  for (const std::string& line : backend.read_audit()) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;  // `keyform audit verify` reports it
    try {
      out.push_back(AuditRecord::from_json(j));
    } catch (const Error&) {
    }
  }
  return out;
}

int run_metrics(const GlobalOptions& global, const MetricsCommand& opts) {
  mode_t mode = 0;
  if (opts.mode.empty() || opts.mode.size() > 4 ||
      opts.mode.find_first_not_of("01234567") != std::string::npos)
    throw Error("--mode " + opts.mode + ": expected an octal file mode such as 0644");
  mode = static_cast<mode_t>(std::stoul(opts.mode, nullptr, 8));
  // A configuration that does not load still leaves the state to report:
  // without it, renewal times, rotation schedules and tags are left out.
  std::unique_ptr<Workspace> ws;
  bool have_config = true;
  try {
    ws = std::make_unique<Workspace>(global);
  } catch (const ConfigError& e) {
    std::cerr << "keyform: warning: the configuration does not load (" << e.what()
              << "); metrics without renewal times, rotation schedules and tags\n";
    ws = std::make_unique<Workspace>(global, ConfigScope::kProjectOnly);
    have_config = false;
  }
  auto loaded = ws->load_state(LockMode::kShared, "metrics");
  MetricsInput in;
  in.state = &loaded.state();
  in.config = have_config ? &ws->config() : nullptr;
  in.audit = audit_records(ws->backend());
  in.tag_labels = opts.tags;
  in.now = ws->now();
  const std::string text = render_metrics(in);
  if (opts.output.empty()) {
    std::cout << text;
    return kExitOk;
  }
  write_file_durable(opts.output, text, mode);
  return kExitOk;
}

}  // namespace

void register_metrics(CLI::App& app, const GlobalOptions& global, Runner* run) {
  auto opts = std::make_shared<MetricsCommand>();
  CLI::App* cmd = app.add_subcommand(
      "metrics", "Print expiry, renewal, rotation and deployment metrics (Prometheus text)");
  cmd->add_option("-o,--output", opts->output,
                  "Replace this file atomically instead of printing (e.g. for node_exporter's "
                  "textfile collector: DIR/keyform.prom)");
  cmd->add_option("--mode", opts->mode, "The --output file's mode (default 0644)");
  cmd->add_option("--tag", opts->tags,
                  "Also label each series with this tag of its resource (repeatable)");
  cmd->callback(
      [&global, run, opts] { *run = [&global, opts] { return run_metrics(global, *opts); }; });
}

}  // namespace keyform::cli
