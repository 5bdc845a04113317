#pragma once
// `longnet prepare`: recipe -> tokenizer.model, {train,valid,test}.bin and manifest.json in an
// output folder. Each stage is keyed by a hash of the recipe and of its inputs (every file's path,
// size and modification time); a stage whose key is unchanged is not redone.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "data/recipe.h"

namespace longnet::data {

struct PrepareOptions {
  std::filesystem::path out;  // "" = the recipe's output
  int threads = 0;            // 0 = every core
  std::string recipe_file;    // recorded in the manifest
};

struct PrepareOutcome {
  std::filesystem::path out;
  bool trained_tokenizer = false;
  bool wrote_shards = false;
};

PrepareOutcome prepare_corpus(const Recipe& recipe, const PrepareOptions& options);

// The file names inside an output folder.
inline constexpr const char* kManifestFile = "manifest.json";
inline constexpr const char* kTokenizerFile = "tokenizer.model";
std::string shard_file_name(std::string_view split);

// Reads DIR/manifest.json; RuntimeError when it is missing or unreadable.
nlohmann::json read_manifest(const std::filesystem::path& dir);

// Opens the tokenizer and every shard the manifest lists, verifying their checksums and that the
// shards were encoded by that tokenizer; RuntimeError naming the first bad file.
void verify_prepared(const std::filesystem::path& dir, const nlohmann::json& manifest);

// The manifest's statistics as a short human-readable report.
std::string describe_manifest(const nlohmann::json& manifest);

}  // namespace longnet::data
