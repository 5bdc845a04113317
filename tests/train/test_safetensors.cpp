#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "support/scratch_dir.h"
#include "train/safetensors.h"

namespace longnet::safetensors {
namespace {

namespace fs = std::filesystem;

class Safetensors : public ::testing::Test {
 protected:
  // A file as any safetensors writer would lay it out: length, padded JSON, data.
  static std::string raw_file(std::string header, const std::string& data) {
    header.append((8 - header.size() % 8) % 8, ' ');
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = char((uint64_t(header.size()) >> (8 * i)) & 0xFF);
    return out + header + data;
  }
  // Expects File(path) to throw a RuntimeError whose message names the path and `what`.
  static void expect_rejected(const fs::path& path, const std::string& what,
                              Checksum checksum = Checksum::required) {
    try {
      File file(path, checksum);
      ADD_FAILURE() << "expected RuntimeError mentioning '" << what << "'";
    } catch (const RuntimeError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
    }
  }
  // A small valid file with two tensors of different element sizes.
  fs::path write_sample() {
    const fs::path path = dir_ / "sample.safetensors";
    write_file(path, {{"weight", DType::F32, {2, 2}, floats_}, {"bias", DType::BF16, {3}, bf16_}},
               {{"step", "12"}});
    return path;
  }

  testing::ScratchDir dir_;
  const float floats_[4] = {1.0f, -2.0f, 0.5f, 3.25f};
  const uint16_t bf16_[3] = {0x3F80, 0xC000, 0x0000};  // 1, -2, 0
};

TEST_F(Safetensors, RoundTripsEveryDtypeShapeAndMetadata) {
  std::vector<std::vector<unsigned char>> storage;
  std::vector<TensorData> tensors;
  const DType all[] = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                       DType::I32, DType::I16, DType::I8,  DType::U8,   DType::BOOL};
  int k = 0;
  for (DType d : all) {
    const std::vector<int64_t> shape = k % 3 == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{k, 3};
    int64_t numel = 1;
    for (int64_t s : shape) numel *= s;
    std::vector<unsigned char> bytes(numel * dtype_size(d));
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = (unsigned char)(i * 37 + k);
    storage.push_back(std::move(bytes));
    tensors.push_back({fmt::format("t{}_{}", k, dtype_name(d)), d, shape, storage.back().data()});
    ++k;
  }
  tensors.push_back({"empty", DType::F32, {0, 5}, nullptr});
  const fs::path path = dir_ / "all.safetensors";
  write_file(path, tensors, {{"config", "model.layers = 2"}});

  const File file(path);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  EXPECT_EQ(file.metadata().at("config"), "model.layers = 2");
  for (const TensorData& t : tensors) {
    const TensorView& v = file.at(t.name);
    EXPECT_EQ(v.dtype, t.dtype) << t.name;
    EXPECT_EQ(v.shape, t.shape) << t.name;
    ASSERT_EQ(v.bytes.size(), size_t(v.numel()) * dtype_size(t.dtype)) << t.name;
    if (!v.bytes.empty()) {
      EXPECT_EQ(0, std::memcmp(v.bytes.data(), t.data, v.bytes.size())) << t.name;
    }
    // Each tensor starts aligned to its element size inside the mapping.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.bytes.data()) % dtype_size(t.dtype), 0u) << t.name;
  }
  EXPECT_EQ(file.at("empty").numel(), 0);
}

TEST_F(Safetensors, LayoutIsWhatPythonSafetensorsReads) {
  const fs::path path = write_sample();
  const std::string bytes = testing::read_file_bytes(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[i]);
  EXPECT_EQ(n % 8, 0u) << "header padded to 8 bytes";
  ASSERT_EQ(bytes.size(), 8 + n + 4 * 4 + 3 * 2);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.front(), '{');
  EXPECT_EQ(header.find_last_not_of(' '), header.rfind('}')) << "padding is spaces only";

  const nlohmann::json j = nlohmann::json::parse(header);
  EXPECT_EQ(j["weight"]["dtype"], "F32");
  EXPECT_EQ(j["weight"]["shape"], nlohmann::json::array({2, 2}));
  EXPECT_EQ(j["bias"]["dtype"], "BF16");
  EXPECT_EQ(j["bias"]["shape"], nlohmann::json::array({3}));
  // F32 (4-byte elements) comes before BF16 (2-byte) in the data section.
  EXPECT_EQ(j["weight"]["data_offsets"], nlohmann::json::array({0, 16}));
  EXPECT_EQ(j["bias"]["data_offsets"], nlohmann::json::array({16, 22}));
  EXPECT_EQ(j["__metadata__"]["step"], "12");
  EXPECT_EQ(j["__metadata__"]["longnet.crc32c"].get<std::string>().size(), 8u);
  EXPECT_EQ(0, std::memcmp(bytes.data() + 8 + n, floats_, 16));
  EXPECT_EQ(0, std::memcmp(bytes.data() + 8 + n + 16, bf16_, 6));
  // Header keys appear sorted by name.
  EXPECT_LT(header.find("\"bias\""), header.find("\"weight\""));
}

TEST_F(Safetensors, ReadsAFileFromAnotherWriterWhenTheChecksumIsOptional) {
  const fs::path path = dir_ / "python.safetensors";
  const float values[2] = {0.25f, -8.0f};
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                             std::string(reinterpret_cast<const char*>(values), 8)));
  const File file(path, Checksum::if_present);
  const std::span<const float> x = file.at("x").f32();
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[0], 0.25f);
  EXPECT_EQ(x[1], -8.0f);
  expect_rejected(path, "checksum");
}

TEST_F(Safetensors, TruncatedFilesAreDetected) {
  const fs::path path = write_sample();
  const std::string bytes = testing::read_file_bytes(path);
  testing::write_file_bytes(path, bytes.substr(0, bytes.size() - 1));
  expect_rejected(path, "truncated");
  testing::write_file_bytes(path, bytes.substr(0, 20));
  expect_rejected(path, "truncated");
  testing::write_file_bytes(path, bytes.substr(0, 5));
  expect_rejected(path, "truncated");
  testing::write_file_bytes(path, "");
  expect_rejected(path, "truncated");
}

TEST_F(Safetensors, AFlippedDataByteFailsTheChecksum) {
  const fs::path path = write_sample();
  std::string bytes = testing::read_file_bytes(path);
  bytes[bytes.size() - 3] ^= 0x10;
  testing::write_file_bytes(path, bytes);
  expect_rejected(path, "checksum mismatch");
}

TEST_F(Safetensors, ExtraTrailingBytesAreRejected) {
  const fs::path path = write_sample();
  testing::write_file_bytes(path, testing::read_file_bytes(path) + "junk");
  expect_rejected(path, "after the last tensor");
}

TEST_F(Safetensors, MalformedHeadersAreRejectedWithTheReason) {
  const fs::path path = dir_ / "bad.safetensors";
  const std::string eight(8, 'a');
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", eight));
  expect_rejected(path, "does not parse", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", eight));
  expect_rejected(path, "unknown dtype", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight));
  expect_rejected(path, "need 12 bytes", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", eight));
  expect_rejected(path, "bad dimension", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                             eight));
  expect_rejected(path, "overlap", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", eight));
  expect_rejected(path, "no tensor covers", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"({"__metadata__":{"a":1}})", ""));
  expect_rejected(path, "not a string", Checksum::if_present);
  testing::write_file_bytes(path, raw_file(R"([1, 2])", ""));
  expect_rejected(path, "not an object", Checksum::if_present);
  std::string huge = raw_file("{}", "");
  huge[6] = 1;  // header length 2^48
  testing::write_file_bytes(path, huge);
  expect_rejected(path, "implausible", Checksum::if_present);
}

TEST_F(Safetensors, LookupOfAMissingTensorSuggestsTheClosestName) {
  const File file(write_sample());
  EXPECT_EQ(file.find("nothing"), nullptr);
  try {
    file.at("weights");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'weight'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(file.at("bias").f32(), RuntimeError);
}

TEST_F(Safetensors, WriterRejectsDuplicateNamesAndReservedMetadata) {
  const float x = 1.0f;
  const fs::path path = dir_ / "w.safetensors";
  EXPECT_THROW(write_file(path, {{"a", DType::F32, {1}, &x}, {"a", DType::F32, {1}, &x}}),
               RuntimeError);
  EXPECT_THROW(write_file(path, {{"__metadata__", DType::F32, {1}, &x}}), RuntimeError);
  EXPECT_THROW(write_file(path, {{"a", DType::F32, {1}, &x}}, {{"longnet.crc32c", "0"}}),
               RuntimeError);
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace longnet::safetensors
