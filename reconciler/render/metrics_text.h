#pragma once
// `keyform metrics`: the recorded state as Prometheus text exposition
// (format 0.0.4, what node_exporter's textfile collector reads), public
// data only. Every metric is a gauge; times are Unix seconds
// (`…_timestamp_seconds`), so an alert computes ages with time() and a file
// that stops being refreshed does not drift. The list is in docs/metrics.md.
//
// Labels come from the address, the issuer, the deploying host and the tags
// the caller names (`tag_labels`), so the number of series is bounded by the
// configuration, never by traffic. Pure: the caller gathers the inputs.
#include <string>
#include <vector>

#include "reconciler/config/resource.h"
#include "state/audit_log.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform {

struct MetricsInput {
  const State* state = nullptr;
  // The configuration, for renewal policies, rotation schedules and tags;
  // null when it could not be loaded (those series are then left out).
  const Config* config = nullptr;
  std::vector<AuditRecord> audit;  // the audit log, oldest first
  std::vector<std::string> tag_labels;
  UnixTime now = 0;
};

// Throws keyform::Error when a tag label is not a valid Prometheus label
// name or collides with a label of keyform's own.
std::string render_metrics(const MetricsInput& in);

}  // namespace keyform
