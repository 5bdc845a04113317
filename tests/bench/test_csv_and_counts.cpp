#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "bench/csv.h"
#include "bench/memory_meter.h"
#include "bench/counts.h"

namespace longnet::bench {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Csv, WritesTheHeaderThenOneLinePerRowQuotingWhereNeeded) {
  const auto path = std::filesystem::temp_directory_path() / "longnet_test_csv.csv";
  {
    CsvWriter csv(path, {"kind", "note", "ms"});
    csv.row({"dense", "plain", "1.5"});
    csv.row({"dilated", "w=2048,4096", "say \"hi\""});
  }
  EXPECT_EQ(read_all(path),
            "kind,note,ms\n"
            "dense,plain,1.5\n"
            "dilated,\"w=2048,4096\",\"say \"\"hi\"\"\"\n");
  std::filesystem::remove(path);
}

TEST(Csv, ARowOfTheWrongWidthIsAnError) {
  const auto path = std::filesystem::temp_directory_path() / "longnet_test_csv_width.csv";
  CsvWriter csv(path, {"a", "b"});
  EXPECT_THROW(csv.row({"1"}), RuntimeError);
  std::filesystem::remove(path);
}

TEST(Csv, AnUnwritablePathIsAnErrorNamingIt) {
  try {
    CsvWriter csv("/nonexistent-dir/x.csv", {"a"});
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.csv"), std::string::npos);
  }
}

TEST(Counts, AcceptsPlainNumbersAndBinarySuffixes) {
  EXPECT_EQ(parse_count("3000"), 3000);
  EXPECT_EQ(parse_count("8K"), 8 * 1024);
  EXPECT_EQ(parse_count("8k"), 8 * 1024);
  EXPECT_EQ(parse_count("16M"), 16 * 1024 * 1024);
  EXPECT_EQ(parse_count("1G"), int64_t(1024) * 1024 * 1024);
}

TEST(Counts, RejectsWhatIsNotAPositiveCount) {
  for (const char* bad : {"", "K", "0", "-8K", "1.5K", "8X", "8 K", "K8", "99999999999G"}) {
    EXPECT_FALSE(parse_count(bad).has_value()) << bad;
  }
}

TEST(Counts, FormatsExactMultiplesWithASuffix) {
  EXPECT_EQ(format_count(8192), "8K");
  EXPECT_EQ(format_count(3 << 20), "3M");
  EXPECT_EQ(format_count(int64_t(2) << 30), "2G");
  EXPECT_EQ(format_count(1536), "1536");
  EXPECT_EQ(format_count(1000), "1000");
}

TEST(MemoryMeter, PeakIsTheMostInUseAtOnce) {
  MemoryMeter meter(1 << 20);
  {
    MeteredBuffer<float> a(meter, 1000, "a");
    { MeteredBuffer<double> b(meter, 500, "b"); }
    MeteredBuffer<float> c(meter, 100, "c");
    EXPECT_EQ(meter.in_use(), 4400);
  }
  EXPECT_EQ(meter.in_use(), 0);
  EXPECT_EQ(meter.peak(), 8000);
}

TEST(MemoryMeter, AnAllocationOverTheBudgetIsOutOfMemory) {
  MemoryMeter meter(1000);
  MeteredBuffer<float> a(meter, 200, "Q");
  try {
    MeteredBuffer<float> b(meter, 100, "K");
    FAIL() << "no error";
  } catch (const OutOfMemory& e) {
    EXPECT_NE(std::string(e.what()).find("K"), std::string::npos);
  }
  EXPECT_EQ(meter.in_use(), 800);
}

TEST(HostMemory, AvailableMemoryIsReadFromTheKernel) { EXPECT_GT(available_host_memory(), 0); }

}  // namespace
}  // namespace longnet::bench
