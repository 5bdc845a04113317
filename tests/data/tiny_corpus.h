#pragma once
// Small corpora written by the tests themselves (no network), and a tokenizer trained on one.
#include <filesystem>
#include <string>

#include "data/tokenizer.h"

namespace longnet::data::testing {

// An empty folder under the system temp folder, unique to this process and `name`; removed
// when the process ends.
std::filesystem::path fresh_dir(const std::string& name);

// Writes `text` to `path`, creating parent folders.
void write_file(const std::filesystem::path& path, const std::string& text);
std::string read_file(const std::filesystem::path& path);

// C-like source with tabs, runs of spaces, trailing spaces, blank lines and comments; `seed`
// varies the identifiers and numbers.
std::string synthetic_c_file(int seed, int functions);

// A small source tree: src/<dir>/file<k>.c for a few dirs, about 150 KB in all.
void write_tiny_tree(const std::filesystem::path& root);

// A tokenizer (vocabulary 380) trained once per process on synthetic C.
const Tokenizer& tiny_tokenizer();

}  // namespace longnet::data::testing
