#include "common/edit_distance.hpp"

#include <gtest/gtest.h>

namespace swarmbot {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("serve", "serve"), 0u);
  EXPECT_EQ(EditDistance("serv", "serve"), 1u);
  EXPECT_EQ(EditDistance("peple", "people"), 1u);
  EXPECT_EQ(EditDistance("chekc-config", "check-config"), 2u);
  EXPECT_EQ(EditDistance("", "eval"), 4u);
  EXPECT_EQ(EditDistance("kb", ""), 2u);
}

}  // namespace
}  // namespace swarmbot
