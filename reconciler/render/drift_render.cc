#include "reconciler/render/drift_render.h"

#include <sstream>

#include "util/time.h"

namespace keyform {

namespace {

constexpr Observation::Status kStatuses[] = {Observation::kModified, Observation::kDeleted,
                                             Observation::kInSync, Observation::kNotChecked};

std::string colored(const Style& style, Observation::Status s, std::string_view text) {
  switch (s) {
    case Observation::kInSync:
      return style.green(text);
    case Observation::kModified:
      return style.yellow(text);
    case Observation::kDeleted:
      return style.red(text);
    case Observation::kNotChecked:
      return style.dim(text);
  }
  return std::string(text);
}

// A table cell: no line breaks, no column separators.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string drift_summary(const DriftReport& report) {
  auto counts = report.counts();
  std::ostringstream out;
  out << "Drift: " << counts[Observation::kModified] << " modified, "
      << counts[Observation::kDeleted] << " deleted, " << counts[Observation::kInSync]
      << " in sync, " << counts[Observation::kNotChecked] << " not checked.";
  return out.str();
}

std::string not_checked_summary(const DriftReport& report) {
  size_t n = report.counts()[Observation::kNotChecked];
  if (n == 0) return "";
  std::ostringstream out;
  out << n << " not checked: ";
  bool first = true;
  for (const auto& [reason, count] : report.not_checked_reasons()) {
    out << (first ? "" : "; ") << reason << " (" << count << ")";
    first = false;
  }
  out << ". `keyform drift --strict` exits 2 when anything is not checked.";
  return out.str();
}

std::string render_drift_text(const DriftReport& report, const Style& style) {
  std::ostringstream out;
  // In-sync resources are only counted; everything else is listed.
  for (const DriftEntry& e : report.entries) {
    if (e.status == Observation::kInSync) continue;
    out << style.bold(e.address) << ": "
        << colored(style, e.status, observation_status_name(e.status)) << "\n";
    for (const std::string& d : e.details) out << "    " << d << "\n";
  }
  const std::string not_checked = not_checked_summary(report);
  if (!report.drifted())
    out << style.green(not_checked.empty() ? "No drift." : "No drift in what was checked.") << " ";
  out << drift_summary(report) << "\n";
  if (!not_checked.empty()) out << style.yellow(not_checked) << "\n";
  return out.str();
}

nlohmann::json render_drift_json(const DriftReport& report) {
  nlohmann::json summary = nlohmann::json::object();
  auto counts = report.counts();
  for (Observation::Status s : kStatuses)
    summary[std::string(observation_status_name(s))] = counts[s];
  nlohmann::json not_checked = nlohmann::json::array();
  for (const auto& [reason, count] : report.not_checked_reasons())
    not_checked.push_back({{"reason", reason}, {"resources", count}});
  nlohmann::json entries = nlohmann::json::array();
  for (const DriftEntry& e : report.entries)
    entries.push_back({{"address", e.address},
                       {"kind", e.kind},
                       {"status", observation_status_name(e.status)},
                       {"details", e.details}});
  return {{"format_version", kDriftFormatVersion}, {"observed_at", format_rfc3339(report.now)},
          {"drifted", report.drifted()},           {"summary", summary},
          {"not_checked_reasons", not_checked},    {"entries", entries}};
}

std::string render_drift_markdown(const DriftReport& report) {
  std::ostringstream out;
  auto counts = report.counts();
  out << "### keyform drift\n\n";
  const std::string not_checked = not_checked_summary(report);
  out << (report.drifted()      ? "**Drift found.** "
          : not_checked.empty() ? "**No drift.** "
                                : "**No drift in what was checked.** ")
      << "Observed at " << format_rfc3339(report.now) << ".\n\n";
  if (!not_checked.empty()) out << cell(not_checked) << "\n\n";
  out << "| status | resources |\n|---|---:|\n";
  for (Observation::Status s : kStatuses)
    out << "| " << observation_status_name(s) << " | " << counts[s] << " |\n";
  bool header = false;
  for (const DriftEntry& e : report.entries) {
    if (e.status != Observation::kModified && e.status != Observation::kDeleted) continue;
    if (!header) {
      out << "\n| resource | status | details |\n|---|---|---|\n";
      header = true;
    }
    std::string details;
    for (const std::string& d : e.details) details += (details.empty() ? "" : "<br>") + cell(d);
    out << "| `" << e.address << "` | " << observation_status_name(e.status) << " | " << details
        << " |\n";
  }
  return out.str();
}

}  // namespace keyform
