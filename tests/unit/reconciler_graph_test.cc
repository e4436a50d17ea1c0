#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconciler/graph.h"

namespace keyform {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Graph, DependenciesComeFirst) {
  Graph g;
  g.add_node("DeploymentTarget/web");
  g.add_node("Certificate/web");
  g.add_node("CertificateAuthority/root");
  g.add_edge("DeploymentTarget/web", "Certificate/web");
  g.add_edge("Certificate/web", "CertificateAuthority/root");
  EXPECT_THAT(g.topological_order(),
              ElementsAre("CertificateAuthority/root", "Certificate/web", "DeploymentTarget/web"));
}

TEST(Graph, TiesGoByInsertionOrder) {
  Graph g;
  for (const char* a :
       {"Certificate/c", "Certificate/a", "CertificateAuthority/root", "Certificate/b"})
    g.add_node(a);
  for (const char* a : {"Certificate/c", "Certificate/a", "Certificate/b"})
    g.add_edge(a, "CertificateAuthority/root");
  EXPECT_THAT(g.topological_order(), ElementsAre("CertificateAuthority/root", "Certificate/c",
                                                 "Certificate/a", "Certificate/b"));
}

TEST(Graph, AddEdgeAddsNodesAndIgnoresRepeats) {
  Graph g;
  g.add_edge("Certificate/a", "CertificateAuthority/root");
  g.add_edge("Certificate/a", "CertificateAuthority/root");
  EXPECT_EQ(g.size(), 2u);
  EXPECT_TRUE(g.contains("CertificateAuthority/root"));
  EXPECT_THAT(g.dependencies("Certificate/a"), ElementsAre("CertificateAuthority/root"));
  EXPECT_THAT(g.dependents("CertificateAuthority/root"), ElementsAre("Certificate/a"));
  EXPECT_EQ(g.add_node("Certificate/a"), 0u);
}

TEST(Graph, TwoNodeCycleNamesTheCycle) {
  Graph g;
  g.add_edge("Certificate/a", "Certificate/b");
  g.add_edge("Certificate/b", "Certificate/a");
  try {
    g.topological_order();
    FAIL() << "expected a CycleError";
  } catch (const CycleError& e) {
    EXPECT_STREQ(e.what(), "dependency cycle: Certificate/a -> Certificate/b -> Certificate/a");
    EXPECT_THAT(e.cycle(), ElementsAre("Certificate/a", "Certificate/b", "Certificate/a"));
  }
}

TEST(Graph, ThreeNodeCycleBehindAnAcyclicPart) {
  Graph g;
  g.add_edge("DeploymentTarget/web", "Certificate/x");
  g.add_edge("Certificate/x", "Certificate/y");
  g.add_edge("Certificate/y", "Certificate/z");
  g.add_edge("Certificate/z", "Certificate/x");
  g.add_edge("Certificate/ok", "CertificateAuthority/root");
  EXPECT_THAT(g.find_cycle(),
              ElementsAre("Certificate/x", "Certificate/y", "Certificate/z", "Certificate/x"));
  EXPECT_THROW(g.topological_order(), CycleError);
  EXPECT_THROW(g.waves(), CycleError);
  // A CycleError is a keyform::Error, which the CLI reports.
  EXPECT_THROW(g.topological_order(), Error);
}

TEST(Graph, SelfCycle) {
  Graph g;
  g.add_edge("Certificate/a", "Certificate/a");
  try {
    g.topological_order();
    FAIL() << "expected a CycleError";
  } catch (const CycleError& e) {
    EXPECT_STREQ(e.what(), "dependency cycle: Certificate/a -> Certificate/a");
  }
}

TEST(Graph, AcyclicGraphHasNoCycle) {
  Graph g;
  g.add_edge("a/b", "c/d");
  EXPECT_THAT(g.find_cycle(), IsEmpty());
}

TEST(Graph, TransitiveClosures) {
  Graph g;
  g.add_edge("DeploymentTarget/web", "Certificate/web");
  g.add_edge("Certificate/web", "CertificateAuthority/sub");
  g.add_edge("CertificateAuthority/sub", "CertificateAuthority/root");
  g.add_edge("Certificate/web", "KmsKey/main");
  g.add_edge("CertificateAuthority/root", "KmsKey/main");
  g.add_node("Certificate/other");
  EXPECT_THAT(g.transitive_dependencies("DeploymentTarget/web"),
              ElementsAre("Certificate/web", "CertificateAuthority/sub",
                          "CertificateAuthority/root", "KmsKey/main"));
  EXPECT_THAT(g.transitive_dependents("CertificateAuthority/root"),
              ElementsAre("DeploymentTarget/web", "Certificate/web", "CertificateAuthority/sub"));
  EXPECT_THAT(g.transitive_dependencies("Certificate/other"), IsEmpty());
  EXPECT_THAT(g.dependencies("Nope/x"), IsEmpty());
}

TEST(Graph, Waves) {
  Graph g;
  g.add_edge("Certificate/a", "CertificateAuthority/root");
  g.add_edge("Certificate/b", "CertificateAuthority/root");
  g.add_edge("DeploymentTarget/a", "Certificate/a");
  g.add_edge("DeploymentTarget/a", "KmsKey/main");
  EXPECT_THAT(g.waves(), ElementsAre(ElementsAre("CertificateAuthority/root", "KmsKey/main"),
                                     ElementsAre("Certificate/a", "Certificate/b"),
                                     ElementsAre("DeploymentTarget/a")));
}

TEST(Graph, LargeChainAndFanOut) {
  // 10,000 certificates under one CA, and a 10,000-long chain: both must be
  // handled without recursion or quadratic work.
  Graph fan;
  fan.add_node("CertificateAuthority/root");
  for (int i = 0; i < 10000; ++i)
    fan.add_edge("Certificate/c" + std::to_string(i), "CertificateAuthority/root");
  std::vector<std::string> order = fan.topological_order();
  ASSERT_EQ(order.size(), 10001u);
  EXPECT_EQ(order.front(), "CertificateAuthority/root");
  EXPECT_EQ(order.back(), "Certificate/c9999");
  EXPECT_EQ(fan.transitive_dependents("CertificateAuthority/root").size(), 10000u);

  Graph chain;
  for (int i = 0; i < 10000; ++i)
    chain.add_edge("Certificate/c" + std::to_string(i + 1), "Certificate/c" + std::to_string(i));
  EXPECT_EQ(chain.topological_order().front(), "Certificate/c0");
  chain.add_edge("Certificate/c0", "Certificate/c10000");
  EXPECT_EQ(chain.find_cycle().size(), 10002u);
}

}  // namespace
}  // namespace keyform
