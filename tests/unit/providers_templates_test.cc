#include <gtest/gtest.h>

#include "providers/pki/templates.h"
#include "providers/pki/x509.h"

namespace keyform::pki {
namespace {

TEST(Templates, EveryLeafTemplateIsKnownToX509) {
  for (const TemplateProfile& t : template_profiles())
    EXPECT_EQ(x509::template_from_name(t.name).has_value(), !t.ca) << t.name;
}

TEST(Templates, CaPathLength) {
  EXPECT_EQ(ca_path_length("", std::nullopt).value, std::nullopt);
  EXPECT_EQ(ca_path_length("", 4).value, 4);
  EXPECT_EQ(ca_path_length("SubordinateCACertificate_PathLen2", std::nullopt).value, 2);
  EXPECT_EQ(ca_path_length("SubordinateCACertificate_PathLen2", 2).problem, "");
  EXPECT_EQ(ca_path_length("SubordinateCACertificate_PathLen2", 1).problem,
            "pathLength 1 contradicts template SubordinateCACertificate_PathLen2 (path length "
            "2); set one of them");
  EXPECT_EQ(ca_path_length("EndEntityCertificate", std::nullopt).problem,
            "EndEntityCertificate is not a CA template");
}

}  // namespace
}  // namespace keyform::pki
