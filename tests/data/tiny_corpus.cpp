#include "tiny_corpus.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "data/tokenizer_training.h"

namespace longnet::data::testing {

namespace fs = std::filesystem;

namespace {

// Removes the folders fresh_dir() made when the test process ends.
struct MadeFolders {
  std::vector<fs::path> paths;
  ~MadeFolders() {
    std::error_code ignored;
    for (const auto& path : paths) fs::remove_all(path, ignored);
  }
};

}  // namespace

fs::path fresh_dir(const std::string& name) {
  static MadeFolders made;
  const fs::path dir = fs::temp_directory_path() / fmt::format("longnet_test_{}_{}", ::getpid(), name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  made.paths.push_back(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& text) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string synthetic_c_file(int seed, int functions) {
  static const char* kSyllables[] = {"buf", "len", "dev", "node", "ent", "flag", "lock", "page", "map", "irq",
                                     "cnt", "ptr", "req", "sk", "inode", "blk", "mem", "task", "list", "hash"};
  static const char* kTypes[] = {"int", "unsigned long", "struct list_head *", "size_t", "u32", "bool"};
  std::mt19937 next{uint32_t(seed)};
  const auto name = [&] {
    std::string n = kSyllables[next() % 20];
    for (int parts = 1 + int(next() % 2); parts > 0; --parts) n += std::string("_") + kSyllables[next() % 20];
    return n;
  };
  std::string text = fmt::format("/* SPDX-License-Identifier: GPL-2.0 */\n#include <linux/{}.h>\n\n", name());
  for (int f = 0; f < functions; ++f) {
    const std::string fn = name(), arg = name(), local = name();
    const char* type = kTypes[next() % 6];
    text += fmt::format("static {} {}(const {} *{}, int n)\n{{\n", type, fn, kTypes[next() % 6], arg);
    text += fmt::format("\t{} {} = {};\n\n", type, local, next() % 1000);
    text += fmt::format("\tfor (int i = 0; i < n; i++) {{  \n\t\tif ({}[i] > {})\n\t\t\treturn {};\n\t}}\n", arg,
                        next() % 64, local);
    text += fmt::format("        /* aligned with spaces: {} of {} */\n\treturn {}({}, {});\n}}\n\n", fn, arg,
                        name(), local, next() % 17);
  }
  return text;
}

void write_tiny_tree(const fs::path& root) {
  const char* dirs[] = {"kernel", "mm", "fs/ext4", "lib"};
  int seed = 0;
  for (const char* dir : dirs) {
    for (int k = 0; k < 4; ++k, ++seed) {
      write_file(root / dir / fmt::format("file{}.c", k), synthetic_c_file(seed, 25));
    }
  }
  write_file(root / "README", "Plain text: the tree's only file at its root.\n");
}

const Tokenizer& tiny_tokenizer() {
  static const Tokenizer tokenizer = [] {
    std::vector<std::string> sentences;
    for (int seed = 0; seed < 40; ++seed) {
      cut_into_sentences(synthetic_c_file(seed, 20), 512, [&](std::string_view s) { sentences.emplace_back(s); });
    }
    sentences.emplace_back("Plain English text: the grass is green, the sky is blue. What is the pass key?\n");
    TokenizerSettings settings;
    settings.vocab_size = 380;
    return train_tokenizer(settings, sentences, 2);
  }();
  return tokenizer;
}

}  // namespace longnet::data::testing
