#include "train/prepared_corpus.h"

#include "common/error.h"
#include "data/prepare.h"

namespace longnet::train {

std::filesystem::path PreparedCorpus::tokenizer_file() const { return dir / data::kTokenizerFile; }

TokenStream PreparedCorpus::open_split(const std::string& split) const {
  const std::filesystem::path shard = dir / data::shard_file_name(split);
  if (!std::filesystem::exists(shard))
    fail<RuntimeError>("{}: no split '{}' in the prepared corpus {} (run `longnet prepare` "
                       "again, or name another split)",
                       shard.string(), split, dir.string());
  return TokenStream(data::Shard::open(shard, tokenizer_checksum));
}

PreparedCorpus open_prepared_corpus(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir / data::kManifestFile))
    fail<RuntimeError>("{} is not a prepared corpus ({} is missing); run `longnet prepare "
                       "RECIPE.toml` first (data/quickstart.toml for the quickstart), or set "
                       "data.dir",
                       dir.string(), (dir / data::kManifestFile).string());
  const nlohmann::json manifest = data::read_manifest(dir);
  PreparedCorpus corpus{.dir = dir};
  try {
    const auto& tokenizer = manifest.at("tokenizer");
    corpus.tokenizer_checksum =
        std::stoull(tokenizer.at("checksum").get<std::string>(), nullptr, 16);
    corpus.vocab_size = tokenizer.at("vocab_size").get<int64_t>();
  } catch (const std::exception& e) {
    fail<RuntimeError>("{}: unreadable tokenizer entry ({}); prepare the corpus again",
                       (dir / data::kManifestFile).string(), e.what());
  }
  if (!std::filesystem::exists(corpus.tokenizer_file()))
    fail<RuntimeError>("{} is missing; prepare the corpus again", corpus.tokenizer_file().string());
  return corpus;
}

}  // namespace longnet::train
