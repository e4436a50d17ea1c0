#include "fleet/failover.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "util/error.h"

namespace keyform::fleet {

HttpsResult send_with_failover(Failover& f,
                               const std::function<HttpsResult(const std::string&)>& send) {
  if (f.servers.empty()) throw Error("no server to send the request to (agent.json names none)");
  std::string failures;
  for (int round = 0; round < f.rounds; ++round) {
    int retry_after = 0;
    failures.clear();
    for (size_t k = 0; k < f.servers.size(); ++k) {
      const size_t at = (f.preferred + k) % f.servers.size();
      const std::string& server = f.servers[at];
      std::string failed;
      try {
        HttpsResult r = send(server);
        if (r.status < 500) {
          f.preferred = at;
          return r;
        }
        if (r.status == 503) retry_after = std::max(retry_after, retry_after_seconds(r, 2, 60));
        failed = server + " answered " + std::to_string(r.status);
      } catch (const Error& e) {
        failed = e.what();
      }
      failures += (failures.empty() ? "" : "; ") + failed;
    }
    if (round + 1 < f.rounds) {
      const auto pause = std::chrono::seconds(retry_after > 0 ? retry_after : 1 << round);
      if (f.sleep)
        f.sleep(pause);
      else
        std::this_thread::sleep_for(pause);
    }
  }
  throw Error("no server answered (" + std::to_string(f.rounds) + " rounds): " + failures);
}

}  // namespace keyform::fleet
