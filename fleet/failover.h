#pragma once
// How an agent that knows several serve replicas sends a request
// (docs/fleet.md, "Several replicas"): to the one that answered last, and on
// a connection failure or a 5xx answer to the next; a round that every
// server failed is tried again after a pause (a 503's Retry-After, else 1 s,
// then 2 s). A failure is never taken as an answer: after the last round it
// is an error naming what each server did.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "fleet/https_client.h"

namespace keyform::fleet {

struct Failover {
  std::vector<std::string> servers;  // https://HOST:PORT, in the order given at enrolment
  size_t preferred = 0;              // the one that answered last
  int rounds = 3;
  std::function<void(std::chrono::seconds)> sleep;  // default: this thread sleeps
};

// `send` makes one attempt on one server (throwing keyform::Error when it
// cannot be reached). Returns the first answer below 500.
HttpsResult send_with_failover(Failover& f,
                               const std::function<HttpsResult(const std::string&)>& send);

}  // namespace keyform::fleet
