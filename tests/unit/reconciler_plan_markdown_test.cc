#include <gtest/gtest.h>

#include "reconciler/render/plan_markdown.h"

namespace keyform {
namespace {

Action action(const std::string& address, ActionType type, std::vector<std::string> reasons,
              std::vector<std::string> after = {}) {
  Action a;
  a.id = address;
  a.address = address;
  a.type = type;
  a.reasons = std::move(reasons);
  a.after = std::move(after);
  return a;
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.starts_with(line + "\n") || text.find("\n" + line + "\n") != std::string::npos;
}

Plan sample_plan() {
  Plan p;
  p.now = 1'800'000'000;
  p.serial = 7;
  p.actions = {
      action("KmsKey/main", ActionType::kNoOp, {}),
      action("Certificate/web", ActionType::kRenew, {"expires in 12d, renewBefore 30d"}),
      action("Certificate/api", ActionType::kCreate, {"not in state"}),
      action("DeploymentTarget/web", ActionType::kDeploy, {"source Certificate/web renews"},
             {"Certificate/web"}),
      action("DeploymentTarget/api", ActionType::kCreate, {"not in state"}, {"Certificate/api"}),
  };
  return p;
}

TEST(PlanMarkdownTest, HeadingTableAndADetailsBlockPerChangedResource) {
  std::string md = render_plan_markdown(sample_plan());
  EXPECT_TRUE(md.starts_with("### Plan: 2 to create, 1 to renew, 1 to deploy, 0 to delete.\n"))
      << md;
  EXPECT_TRUE(has_line(md, "| action | count |")) << md;
  EXPECT_TRUE(has_line(md, "| create | 2 |")) << md;
  EXPECT_TRUE(has_line(md, "| renew | 1 |")) << md;
  EXPECT_TRUE(has_line(md, "| deploy | 1 |")) << md;
  EXPECT_EQ(md.find("| no-op"), std::string::npos);
  EXPECT_EQ(occurrences(md, "<details>"), 4u);
  EXPECT_EQ(occurrences(md, "</details>"), 4u);
  EXPECT_NE(md.find("<details><summary>~ renew Certificate/web</summary>\n\n"
                    "- expires in 12d, renewBefore 30d\n"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("KmsKey/main"), std::string::npos) << "no-ops are not listed";
  EXPECT_EQ(md.find("Warnings"), std::string::npos) << "nothing to warn about";
  EXPECT_EQ(md.find('\033'), std::string::npos);
}

TEST(PlanMarkdownTest, NoChangesHasNoTable) {
  Plan p;
  p.actions = {action("KmsKey/main", ActionType::kNoOp, {})};
  std::string md = render_plan_markdown(p);
  EXPECT_TRUE(md.starts_with("### No changes\n")) << md;
  EXPECT_EQ(md.find("| action | count |"), std::string::npos);
  EXPECT_EQ(md.find("<details>"), std::string::npos);
}

TEST(PlanMarkdownTest, WarnsOfDeletionsCaReplacementsAndErrors) {
  Plan p;
  p.actions = {
      action("CertificateAuthority/root", ActionType::kReplace, {"spec.subject changed"}),
      action("Certificate/web", ActionType::kReplace, {"issuer replaced"},
             {"CertificateAuthority/root"}),
      action("DeploymentTarget/web", ActionType::kDeploy, {"source changes"}, {"Certificate/web"}),
      action("Certificate/old", ActionType::kDelete, {"not in the configuration"}),
  };
  p.errors = {"Certificate/keep has deletionProtection: true and is no longer in the config"};
  std::string md = render_plan_markdown(p);
  size_t warnings = md.find("\n### ⚠ Warnings\n");
  ASSERT_NE(warnings, std::string::npos) << md;
  std::string section = md.substr(warnings);
  EXPECT_NE(section.find("- **delete** `Certificate/old`"), std::string::npos) << section;
  EXPECT_NE(section.find("- **replace** `CertificateAuthority/root`: a new CA key; everything it "
                         "signed is re-issued (2 actions follow from it)"),
            std::string::npos)
      << section;
  EXPECT_EQ(section.find("`Certificate/web`"), std::string::npos)
      << "a certificate's replacement is not a warning";
  EXPECT_NE(section.find("- **Error** (the plan cannot be applied): Certificate/keep has "
                         "deletionProtection: true"),
            std::string::npos)
      << section;
}

TEST(PlanMarkdownTest, TextFromThePlanIsEscaped) {
  Plan p;
  p.actions = {action("Certificate/web", ActionType::kUpdate, {"tags <b>|owner|</b> *changed*"})};
  std::string md = render_plan_markdown(p);
  EXPECT_NE(md.find("- tags &lt;b&gt;\\|owner\\|&lt;/b&gt; \\*changed\\*\n"), std::string::npos)
      << md;
  EXPECT_EQ(markdown_escape("a_b [x] `y` #z\\"), "a\\_b \\[x\\] \\`y\\` \\#z\\\\");
}

}  // namespace
}  // namespace keyform
