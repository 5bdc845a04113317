#pragma once
// A corpus recipe (data/*.toml): where the text comes from, which files count, how they form
// documents, how documents are split, and the tokenizer. docs/data.md lists every key.
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "config/schema.h"
#include "data/tokenizer_training.h"

namespace longnet::data {

enum class SourceKind { debian, directory, files };
constexpr std::array<config::EnumName<SourceKind>, 3> enum_names(SourceKind) {
  return {{{SourceKind::debian, "debian"}, {SourceKind::directory, "directory"}, {SourceKind::files, "files"}}};
}

struct SourceSpec {
  SourceKind kind = SourceKind::directory;
  std::string package;                  // debian
  std::string version;                  // debian: "" = apt's candidate
  std::string sha256;                   // debian: "" = not checked
  std::string archive;                  // debian: a tarball inside the package to unpack
  std::string root;                     // debian: the corpus root inside the unpacked tree
  std::string cache_dir = "cache/debian";
  std::string path;                     // directory
  std::vector<std::string> files;       // files

  template <class V>
  void visit(V& v) {
    v.field("kind", kind, "Where the text comes from.");
    v.field("package", package, "debian: the binary package to fetch with apt-get download.");
    v.field("version", version, "debian: the package version; empty takes apt's candidate.");
    v.field("sha256", sha256, "debian: the .deb's expected SHA-256; empty records it unchecked.");
    v.field("archive", archive, "debian: a tarball inside the package to unpack as well.");
    v.field("root", root, "debian: the corpus root, relative to the unpacked package.");
    v.field("cache_dir", cache_dir, "debian: where packages are fetched and unpacked.");
    v.field("path", path, "directory: the folder whose files form the corpus.");
    v.field("files", files, "files: the text files that form the corpus.");
  }
  void validate(const config::Checker& check) const;
};

struct SelectSpec {
  std::vector<std::string> include = {"**"};
  std::vector<std::string> exclude;
  bool skip_binary = true;

  template <class V>
  void visit(V& v) {
    v.field("include", include, "Globs of paths (relative to the root) to take.", config::non_empty());
    v.field("exclude", exclude, "Globs of paths to leave out, applied after include.");
    v.field("skip_binary", skip_binary, "Leave out files with a NUL byte in their first 8 KiB.");
  }
};

enum class DocumentUnit { file, directory };
constexpr std::array<config::EnumName<DocumentUnit>, 2> enum_names(DocumentUnit) {
  return {{{DocumentUnit::file, "file"}, {DocumentUnit::directory, "directory"}}};
}

struct DocumentSpec {
  DocumentUnit unit = DocumentUnit::file;
  std::string header;  // "{path}" is replaced by the file's path; "" = no header line
  int64_t min_bytes = 1;

  template <class V>
  void visit(V& v) {
    v.field("unit", unit, "A document is one file, or the files of one directory in path order.");
    v.field("header", header,
            "A line put before each file of a document; {path} stands for its path. Empty: none.");
    v.field("min_bytes", min_bytes, "Documents shorter than this are left out.", config::at_least(1));
  }
};

struct SplitSpec {
  double valid = 0.01;
  double test = 0.01;
  int64_t seed = 0;

  template <class V>
  void visit(V& v) {
    v.field("valid", valid, "Share of documents in the validation split.", config::in_range(0, 1));
    v.field("test", test, "Share of documents in the test split.", config::in_range(0, 1));
    v.field("seed", seed, "Salt of the document hash that assigns splits.", config::at_least(0));
  }
  void validate(const config::Checker& check) const;
};

struct Recipe {
  std::string name;    // "" = the recipe file's stem
  std::string output;  // "" = cache/data/<name>
  SourceSpec source;
  SelectSpec select;
  DocumentSpec documents;
  SplitSpec split;
  TokenizerSettings tokenizer;

  template <class V>
  void visit(V& v) {
    v.field("name", name, "The corpus name; defaults to the recipe file's name.");
    v.field("output", output, "Output folder; defaults to cache/data/<name>. --out overrides it.");
    v.table("source", source, "Where the text comes from.");
    v.table("select", select, "Which files count.");
    v.table("documents", documents, "How files form documents.");
    v.table("split", split, "Train/valid/test split.");
    v.table("tokenizer", tokenizer, "SentencePiece settings.");
  }
};

// Reads and checks a recipe, with `--set key=value` overrides; ConfigError (file:line:column) for
// a bad key or value, UsageError for a missing file. Fills name and output when left empty.
Recipe load_recipe(const std::filesystem::path& file, std::span<const std::string> overrides = {});

}  // namespace longnet::data
