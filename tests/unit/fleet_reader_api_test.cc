#include <gtest/gtest.h>

#include "fleet/reader_api.h"

namespace keyform::fleet {
namespace {

TEST(FleetReaderApi, QueryParametersArePercentDecoded) {
  const std::string t = "/v1/secrets/db?version=version%3Aab12&field=pass+word&stage";
  EXPECT_EQ(query_parameter(t, "version"), "version:ab12");
  EXPECT_EQ(query_parameter(t, "field"), "pass word");
  EXPECT_EQ(query_parameter(t, "stage"), "");
  EXPECT_EQ(query_parameter(t, "missing"), "");
  EXPECT_EQ(query_parameter("/v1/secrets/db", "version"), "");
  EXPECT_EQ(query_parameter("/v1/secrets/db?x=%zz", "x"), "%zz");
}

}  // namespace
}  // namespace keyform::fleet
