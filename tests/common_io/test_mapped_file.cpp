#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "common/mapped_file.h"

namespace longnet {
namespace {

namespace fs = std::filesystem;

TEST(MappedFile, ShowsTheFileBytesAndSurvivesAMove) {
  const fs::path path = fs::temp_directory_path() / "longnet_mapped_file_test.bin";
  std::ofstream(path, std::ios::binary) << "mapped bytes";
  MappedFile first(path);
  MappedFile moved(std::move(first));
  const auto bytes = moved.bytes();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "mapped bytes");
  EXPECT_EQ(moved.path(), path);
  fs::remove(path);
}

TEST(MappedFile, EmptyFileIsAnEmptySpan) {
  const fs::path path = fs::temp_directory_path() / "longnet_mapped_empty_test.bin";
  std::ofstream(path, std::ios::binary).close();
  EXPECT_TRUE(MappedFile(path).bytes().empty());
  fs::remove(path);
}

TEST(MappedFile, MissingFileIsARuntimeErrorNamingIt) {
  try {
    MappedFile("/nonexistent/longnet/file.bin");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/longnet/file.bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace longnet
