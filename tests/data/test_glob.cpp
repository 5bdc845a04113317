#include <gtest/gtest.h>

#include "data/glob.h"

namespace longnet::data {

TEST(Glob, StarStaysWithinOneComponent) {
  EXPECT_TRUE(glob_match("kernel/*.c", "kernel/fork.c"));
  EXPECT_FALSE(glob_match("kernel/*.c", "kernel/sched/core.c"));
  EXPECT_TRUE(glob_match("lib/?.c", "lib/a.c"));
  EXPECT_FALSE(glob_match("lib/?.c", "lib/ab.c"));
}

TEST(Glob, DoubleStarSpansAnyNumberOfComponents) {
  EXPECT_TRUE(glob_match("fs/**", "fs/ext4/inode.c"));
  EXPECT_TRUE(glob_match("fs/**", "fs/open.c"));
  EXPECT_FALSE(glob_match("fs/**", "mm/fs.c"));
  EXPECT_TRUE(glob_match("**/*.h", "include/linux/sched.h"));
  EXPECT_TRUE(glob_match("**/*.h", "top.h"));
  EXPECT_TRUE(glob_match("drivers/**/Makefile", "drivers/net/Makefile"));
  EXPECT_TRUE(glob_match("drivers/**/Makefile", "drivers/Makefile"));
}

TEST(Glob, PatternWithoutSlashMatchesTheFileNameAnywhere) {
  EXPECT_TRUE(glob_match("*.png", "Documentation/logo.png"));
  EXPECT_TRUE(glob_match("*.png", "logo.png"));
  EXPECT_FALSE(glob_match("*.png", "png/readme"));
  EXPECT_TRUE(glob_match("**", "anything/at/all"));
}

}  // namespace longnet::data
