#pragma once
// The files a recipe selects and the documents they form.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/recipe.h"

namespace longnet::data {

struct SourceFile {
  std::string path;  // relative to the corpus root, '/'-separated
  uint64_t bytes;
  int64_t modified_ns;
};

struct CorpusFiles {
  std::filesystem::path root;  // "" for a `files` source: paths are as the recipe gives them
  std::vector<SourceFile> files;  // sorted by path
  uint64_t skipped_binary = 0;
  // What identifies the source: the package, version and SHA-256, or the folder.
  std::string source_id;
  // Hash64 of source_id and every file's path, size and modification time: a change in the
  // input changes it.
  uint64_t fingerprint = 0;
};

// Resolves the source (fetching a Debian package when needed) and lists the selected regular
// files; symbolic links are not followed. ConfigError for a missing folder or file named by the
// recipe and for a selection that leaves nothing; RuntimeError when a file cannot be read.
CorpusFiles list_corpus_files(const Recipe& recipe);

struct Document {
  std::string name;            // the file's path, or the directory's ("." for the root)
  std::vector<uint32_t> files;  // indices into CorpusFiles::files, in path order
  uint64_t bytes;              // text bytes, headers included
};

std::vector<Document> form_documents(const CorpusFiles& corpus, const DocumentSpec& spec);

// The text of a document: each file preceded by its header line (when the recipe has one); a
// file that does not end in a newline gets one when another file follows it. RuntimeError
// naming the file when it cannot be read.
std::string read_document(const CorpusFiles& corpus, const Document& document, const DocumentSpec& spec);

}  // namespace longnet::data
