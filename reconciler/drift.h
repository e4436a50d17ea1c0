#pragma once
// Drift: what the world looks like against what the state recorded. Each
// recorded resource's provider observes it (DESIGN.md section 3); nothing is
// written. The report is in address order.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "providers/provider.h"
#include "reconciler/config/resource.h"
#include "state/keyring.h"
#include "state/state.h"
#include "util/time.h"

namespace keyform {

inline constexpr int kDriftFormatVersion = 1;

struct DriftEntry {
  std::string address;
  std::string kind;
  Observation::Status status = Observation::kInSync;
  std::vector<std::string> details;
};

struct DriftReport {
  UnixTime now = 0;
  std::vector<DriftEntry> entries;

  // Whether anything is MODIFIED or DELETED (NOT_CHECKED counts as in sync).
  bool drifted() const;
  std::map<Observation::Status, size_t> counts() const;
  // Why the NOT_CHECKED entries were not checked: each distinct reason (a
  // detail without the path or field it is about: "no root key available")
  // with the number of entries that gave it, most frequent first.
  std::vector<std::pair<std::string, size_t>> not_checked_reasons() const;
};

// Observes every recorded resource whose kind is `kinds` (all when empty).
// `keyring` may be null: checks that need the root key are NOT_CHECKED.
// A kind without a provider is NOT_CHECKED. Throws keyform::Error when an
// observation cannot be made at all.
DriftReport observe_drift(const Config& config, const State& state,
                          const ProviderRegistry& providers, UnixTime now, Keyring* keyring,
                          const std::vector<std::string>& kinds = {});

// The observations of a report by address, as PlanOptions::observed takes
// them.
std::map<std::string, Observation> observations_by_address(const DriftReport& report);

}  // namespace keyform
