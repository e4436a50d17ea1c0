// How plans are drawn and printed where a CA holds more than one action,
// or waits out its deletion window.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconciler/render/graph_dot.h"
#include "reconciler/render/plan_render.h"

namespace keyform {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Action action(const std::string& address, ActionType type, std::vector<std::string> reasons = {}) {
  Action a;
  a.address = address;
  a.type = type;
  a.reasons = std::move(reasons);
  return a;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The node shows the revoke, not the no-op listed first; a
// deleted CA with two actions is one node.
TEST(GraphDot, ANodeShowsItsChangeOnce) {
  Config config;
  Resource ca;
  ca.kind = "CertificateAuthority";
  ca.name = "root";
  config.by_address[ca.address()] = 0;
  config.resources.push_back(ca);
  Graph graph;
  graph.add_node("CertificateAuthority/root");
  Plan plan;
  plan.actions = {action("CertificateAuthority/root", ActionType::kNoOp),
                  action("CertificateAuthority/gone", ActionType::kNoOp, {"PENDING_DELETION"}),
                  action("CertificateAuthority/root", ActionType::kRevoke),
                  action("CertificateAuthority/gone", ActionType::kRevoke)};
  const std::string dot = render_graph_dot(config, graph, &plan);
  EXPECT_THAT(dot, HasSubstr("\"CertificateAuthority/root\" [shape=doubleoctagon, "
                             "style=\"filled\", fillcolor=lightcoral"));
  EXPECT_EQ(count(dot, "\"CertificateAuthority/gone\" [shape"), 1u);
  EXPECT_THAT(dot, HasSubstr("\"CertificateAuthority/gone\" [shape=doubleoctagon, "
                             "style=\"filled,dashed\", fillcolor=lightcoral"));
}

// A CA in its deletion window needs no operator.
TEST(PlanText, ADeletionWindowIsNotAnOperatorsTask) {
  Plan plan;
  plan.actions = {
      action("CertificateAuthority/gone", ActionType::kNoOp,
             {"PENDING_DELETION until 2027-01-08T00:00:00Z; put it back in the configuration "
              "to restore it"}),
      action("CertificateAuthority/ext", ActionType::kNoOp,
             {"CA expires soon: its parent is outside keyform"})};
  const std::string text = render_plan_text(plan, Style{});
  EXPECT_THAT(text, HasSubstr("... deleting CertificateAuthority/gone"));
  EXPECT_THAT(text, Not(HasSubstr("... operator CertificateAuthority/gone")));
  EXPECT_THAT(text, HasSubstr("... operator CertificateAuthority/ext"));
}

}  // namespace
}  // namespace keyform
