// Policy evaluation throughput: decisions per second against one
// ResourcePolicy of 1,000 statements (docs/benchmarks.md).
//   policy_bench [STATEMENTS] [DECISIONS]
// The statements name distinct roles of another account (one in ten with a
// glob, one in a hundred a Deny, one in fifty with a template condition), so
// a request walks every statement -- an explicit Deny anywhere must be seen
// -- as evaluation always does. Prints decisions per CPU second for
// evaluate() (the engine) and authorize() (the engine plus the request
// checks).
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "providers/policy/evaluate.h"

using namespace keyform;
using namespace keyform::policy;
using Clock = std::chrono::steady_clock;

// CPU time of this process: on a shared machine, wall time measures the
// neighbours as much as the code.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  const size_t statements = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
  const size_t decisions = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 20000;
  Config config;
  config.project.account = "111122223333";
  Resource ca;
  ca.kind = "CertificateAuthority";
  ca.name = "root";
  config.by_address[ca.address()] = 0;
  config.resources.push_back(ca);
  Policy p;
  p.address = "ResourcePolicy/root";
  p.resource = "CertificateAuthority/root";
  for (size_t i = 0; i < statements; ++i) {
    Statement s;
    s.sid = "S" + std::to_string(i);
    s.allow = i % 100 != 99;
    s.principals = {"account:444455556666/role:svc-" + std::to_string(i) +
                    (i % 10 == 0 ? "*" : "")};
    s.actions = {i % 2 ? "pki:GetCertificate" : "pki:*"};
    if (i % 50 == 0) s.conditions = {{"StringEquals", "pki:Template", {"EndEntityCertificate"}}};
    s.pos = SourcePos{"policies.yaml", static_cast<int>(10 + 5 * i), 7};
    p.statements.push_back(std::move(s));
  }
  PolicySet policies;
  policies.add(std::move(p));

  std::vector<Request> requests;
  for (size_t i = 0; i < 1000; ++i)
    requests.push_back(Request{"account:444455556666/role:svc-" + std::to_string((i * 7919) % 1200),
                               i % 3 ? "pki:GetCertificate" : "pki:IssueCertificate",
                               "CertificateAuthority/root",
                               {{"pki:Template", "EndEntityCertificate"}}});
  size_t allowed = 0;
  auto time = [&](const char* what, auto decide) {
    auto start = Clock::now();
    double cpu_start = cpu_seconds();
    for (size_t i = 0; i < decisions; ++i) allowed += decide(requests[i % requests.size()]);
    double wall = std::chrono::duration<double>(Clock::now() - start).count();
    double s = cpu_seconds() - cpu_start;
    std::printf(
        "%-10s %zu statements: %zu decisions in %.3f s CPU (%.3f s wall) = %.0f "
        "decisions/s (%.2f us each)\n",
        what, statements, decisions, s, wall, decisions / s, s / decisions * 1e6);
  };
  time("evaluate", [&](const Request& r) { return evaluate(policies, "111122223333", r).allowed; });
  time("authorize", [&](const Request& r) { return authorize(config, policies, r).allowed; });
  std::printf("(%zu allowed)\n", allowed);
  return 0;
}
