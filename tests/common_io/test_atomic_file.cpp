#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "common/atomic_file.h"
#include "common/error.h"
#include "support/scratch_dir.h"

namespace longnet {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  size_t entries() const { return size_t(std::distance(fs::directory_iterator(dir_.path()), {})); }

  testing::ScratchDir dir_;
};

TEST_F(AtomicFile, WritesNewFileAndReplacesOldOne) {
  const fs::path target = dir_ / "state.bin";
  write_file_atomically(target, "first");
  EXPECT_EQ(testing::read_file_bytes(target), "first");
  write_file_atomically(target, [](AtomicWriter& out) {
    out.write("sec", 3);
    out.write(std::string_view("ond"));
  });
  EXPECT_EQ(testing::read_file_bytes(target), "second");
  EXPECT_EQ(entries(), 1u) << "no temporary file may stay behind";
}

TEST_F(AtomicFile, FailingWriterLeavesOldFileAndNoTemporary) {
  const fs::path target = dir_ / "model.safetensors";
  write_file_atomically(target, "old contents");
  EXPECT_THROW(write_file_atomically(target,
                                     [](AtomicWriter& out) {
                                       out.write("half of the new");
                                       throw std::runtime_error("disk on fire");
                                     }),
               std::runtime_error);
  EXPECT_EQ(testing::read_file_bytes(target), "old contents");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, StreamingWriterPublishesOnlyOnCommit) {
  const fs::path target = dir_ / "shard.bin";
  write_file_atomically(target, "old");
  {
    AtomicWriter out(target);
    out.write("XXXX body", 9);
    out.seek(0);
    out.write(std::string_view("head"));
    EXPECT_EQ(testing::read_file_bytes(target), "old") << "nothing is visible before commit()";
    out.commit();
  }
  EXPECT_EQ(testing::read_file_bytes(target), "head body");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, StreamingWriterDestroyedWithoutCommitLeavesOldFileAndNoTemporary) {
  const fs::path target = dir_ / "shard.bin";
  write_file_atomically(target, "old");
  {
    AtomicWriter out(target);
    out.write("abandoned");
  }
  EXPECT_EQ(testing::read_file_bytes(target), "old");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFile, MissingDirectoryIsARuntimeErrorNamingThePath) {
  const fs::path target = dir_ / "no_such_dir" / "x.bin";
  try {
    write_file_atomically(target, "data");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
}

TEST_F(AtomicFile, FailedRenameRemovesTheTemporary) {
  // A directory sits where the file should go: rename fails after the data is written.
  const fs::path target = dir_ / "occupied";
  fs::create_directory(target);
  fs::create_directory(target / "child");  // non-empty, so no platform can replace it
  try {
    write_file_atomically(target, "data");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(target / "child"));
  EXPECT_EQ(entries(), 1u);
}

}  // namespace
}  // namespace longnet
