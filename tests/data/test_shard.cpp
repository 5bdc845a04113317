#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <functional>
#include <random>

#include "common/error.h"
#include "data/shard.h"
#include "tiny_corpus.h"

namespace longnet::data {

namespace fs = std::filesystem;

namespace {

std::vector<std::vector<uint32_t>> random_documents(uint32_t vocab, int count, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<std::vector<uint32_t>> documents(static_cast<size_t>(count));
  for (auto& d : documents) {
    d.resize(random() % 300);  // empty documents too
    for (auto& t : d) t = uint32_t(random() % vocab);
  }
  return documents;
}

void write_shard(const fs::path& path, uint32_t vocab, uint64_t tokenizer,
                 const std::vector<std::vector<uint32_t>>& documents) {
  ShardWriter writer(path, vocab, tokenizer);
  for (const auto& d : documents) writer.add_document(d);
  writer.commit();
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const RuntimeError& e) {
    return e.what();
  }
  return "(no error)";
}

void flip_byte(const fs::path& path, size_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(std::streamoff(offset));
  char c;
  file.get(c);
  file.seekp(std::streamoff(offset));
  file.put(char(c ^ 0x20));
}

}  // namespace

TEST(Shard, ReadsBackWhatWasWrittenWithSixteenBitTokens) {
  const auto path = testing::fresh_dir("shard16") / "train.bin";
  const auto documents = random_documents(8000, 50, 1);
  write_shard(path, 8000, 0xABCD, documents);
  const auto shard = Shard::open(path, 0xABCD);
  EXPECT_EQ(shard.header().token_bytes, 2u);
  EXPECT_EQ(shard.vocab_size(), 8000u);
  ASSERT_EQ(shard.document_count(), documents.size());
  uint64_t total = 0;
  for (size_t d = 0; d < documents.size(); ++d) {
    EXPECT_EQ(shard.document_tokens(d), documents[d]);
    EXPECT_EQ(shard.document(d).first, total);
    total += documents[d].size();
  }
  EXPECT_EQ(shard.token_count(), total);
  // The file holds exactly the header, the tokens and the offsets.
  EXPECT_EQ(fs::file_size(path), sizeof(ShardHeader) + total * 2 + (documents.size() + 1) * 8);
}

TEST(Shard, UsesThirtyTwoBitTokensWhenTheVocabularyNeedsThem) {
  const auto path = testing::fresh_dir("shard32") / "train.bin";
  const auto documents = random_documents(100000, 20, 2);
  write_shard(path, 100000, 7, documents);
  const auto shard = Shard::open(path);
  EXPECT_EQ(shard.header().token_bytes, 4u);
  for (size_t d = 0; d < documents.size(); ++d) EXPECT_EQ(shard.document_tokens(d), documents[d]);
  std::vector<uint32_t> middle(10);
  const auto [first, last] = shard.document(3);
  ASSERT_GE(last - first, 10u);
  shard.read_tokens(first, middle);
  EXPECT_EQ(middle, std::vector<uint32_t>(documents[3].begin(), documents[3].begin() + 10));
}

TEST(Shard, CorruptionIsDetectedOnOpen) {
  const auto dir = testing::fresh_dir("shard_corrupt");
  const auto documents = random_documents(1000, 30, 3);
  write_shard(dir / "a.bin", 1000, 1, documents);
  flip_byte(dir / "a.bin", sizeof(ShardHeader) + 100);  // a token
  EXPECT_NE(error_of([&] { Shard::open(dir / "a.bin"); }).find("checksum does not match"), std::string::npos);

  write_shard(dir / "b.bin", 1000, 1, documents);
  flip_byte(dir / "b.bin", fs::file_size(dir / "b.bin") - 3);  // the last offset
  EXPECT_NE(error_of([&] { Shard::open(dir / "b.bin"); }).find("checksum does not match"), std::string::npos);

  write_shard(dir / "c.bin", 1000, 1, documents);
  flip_byte(dir / "c.bin", offsetof(ShardHeader, vocab_size));  // the header
  EXPECT_NE(error_of([&] { Shard::open(dir / "c.bin"); }).find("checksum does not match"), std::string::npos);
}

TEST(Shard, TruncationIsDetectedOnOpen) {
  const auto dir = testing::fresh_dir("shard_truncated");
  write_shard(dir / "a.bin", 1000, 1, random_documents(1000, 30, 4));
  fs::resize_file(dir / "a.bin", fs::file_size(dir / "a.bin") - 8);
  EXPECT_NE(error_of([&] { Shard::open(dir / "a.bin"); }).find("truncated"), std::string::npos);
  fs::resize_file(dir / "a.bin", 10);
  EXPECT_NE(error_of([&] { Shard::open(dir / "a.bin"); }).find("shorter than a header"), std::string::npos);
}

TEST(Shard, AnotherTokenizersShardIsRefused) {
  const auto path = testing::fresh_dir("shard_tokenizer") / "a.bin";
  write_shard(path, 1000, 0x1111, random_documents(1000, 5, 5));
  const auto message = error_of([&] { Shard::open(path, 0x2222); });
  EXPECT_NE(message.find("another tokenizer"), std::string::npos) << message;
  EXPECT_NO_THROW(Shard::open(path, 0x1111));
}

TEST(Shard, NothingAppearsUntilCommitAndNothingIsLeftOnFailure) {
  const auto dir = testing::fresh_dir("shard_atomic");
  {
    ShardWriter writer(dir / "a.bin", 1000, 1);
    writer.add_document(std::vector<uint32_t>{1, 2, 3});
    EXPECT_FALSE(fs::exists(dir / "a.bin"));
    // An id outside the vocabulary aborts the shard.
    EXPECT_THROW(writer.add_document(std::vector<uint32_t>{1000}), RuntimeError);
  }
  EXPECT_TRUE(fs::is_empty(dir)) << "a temporary file was left behind";
}

}  // namespace longnet::data
