#include <gtest/gtest.h>

#include "support/run_process.h"

namespace longnet::testing {

TEST(Cli, VersionNamesTheCommitAndTheCudaBuild) {
  auto r = run_longnet("--version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("longnet "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("commit"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CUDA:"), std::string::npos) << r.out;
}

TEST(Cli, HelpExitsZero) {
  auto r = run_longnet("--help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--version"), std::string::npos);
}

TEST(Cli, UnknownOptionIsAUsageErrorWithExitCode2) {
  auto r = run_longnet("--no-such-option");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  auto r = run_longnet("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace longnet::testing
