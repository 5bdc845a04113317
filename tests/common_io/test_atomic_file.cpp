#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/atomic_file.h"
#include "common/error.h"

namespace longnet {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("longnet_atomic_{}", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  size_t entries() const { return size_t(std::distance(fs::directory_iterator(dir_), {})); }

  fs::path dir_;
};

TEST_F(AtomicFile, WritesNewFileAndReplacesOldOne) {
  const fs::path target = dir_ / "state.bin";
  write_file_atomically(target, "first");
  EXPECT_EQ(read(target), "first");
  write_file_atomically(target, [](OutputFile& out) {
    out.write("sec", 3);
    out.write(std::string_view("ond"));
  });
  EXPECT_EQ(read(target), "second");
  EXPECT_EQ(entries(), 1u) << "no temporary file may stay behind";
}

TEST_F(AtomicFile, FailingWriterLeavesOldFileAndNoTemporary) {
  const fs::path target = dir_ / "model.safetensors";
  write_file_atomically(target, "old contents");
  EXPECT_THROW(write_file_atomically(target,
                                     [](OutputFile& out) {
                                       out.write("half of the new");
                                       throw std::runtime_error("disk on fire");
                                     }),
               std::runtime_error);
  EXPECT_EQ(read(target), "old contents");
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
