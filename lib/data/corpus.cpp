#include "data/corpus.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "common/error.h"
#include "common/hash.h"
#include "data/debian_source.h"
#include "data/glob.h"

namespace longnet::data {

namespace fs = std::filesystem;

namespace {

bool selected(const SelectSpec& select, const std::string& path) {
  const auto matches = [&](const std::string& pattern) { return glob_match(pattern, path); };
  return std::any_of(select.include.begin(), select.include.end(), matches) &&
         std::none_of(select.exclude.begin(), select.exclude.end(), matches);
}

// POSIX reads, so that an I/O error is reported rather than taken for the end of the file.
std::string read_file(const fs::path& path, size_t limit = SIZE_MAX) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    fail<RuntimeError>("cannot read {}: {}; fix its permissions or exclude it in [select]",
                       path.string(), std::strerror(errno));
  }
  std::string text;
  char chunk[1 << 16];
  while (text.size() < limit) {
    const ssize_t n = ::read(fd, chunk, std::min(sizeof chunk, limit - text.size()));
    if (n == 0) break;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail<RuntimeError>("cannot read {}: {}; fix the file or exclude it in [select]", path.string(),
                         std::strerror(error));
    }
    text.append(chunk, size_t(n));
  }
  ::close(fd);
  return text;
}

bool looks_binary(const fs::path& path) {
  return read_file(path, 8192).find('\0') != std::string::npos;
}

int64_t modified_ns(const fs::path& path) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(fs::last_write_time(path).time_since_epoch())
      .count();
}

void add_file(CorpusFiles& corpus, const SelectSpec& select, const fs::path& full, std::string relative) {
  if (!selected(select, relative)) return;
  if (select.skip_binary && looks_binary(full)) {
    ++corpus.skipped_binary;
    return;
  }
  corpus.files.push_back({std::move(relative), fs::file_size(full), modified_ns(full)});
}

}  // namespace

CorpusFiles list_corpus_files(const Recipe& recipe) {
  const SourceSpec& source = recipe.source;
  CorpusFiles corpus;
  switch (source.kind) {
    case SourceKind::debian: {
      const auto fetched = fetch_debian_source(source);
      corpus.root = fetched.root;
      corpus.source_id = fmt::format("debian {} {} sha256 {} root {}", fetched.package, fetched.version,
                                     fetched.sha256, source.root);
      break;
    }
    case SourceKind::directory:
      if (!fs::is_directory(source.path)) {
        fail<ConfigError>("source.path: {} is not a folder: check source.path in the recipe", source.path);
      }
      corpus.root = source.path;
      corpus.source_id = "directory " + fs::absolute(source.path).lexically_normal().string();
      break;
    case SourceKind::files:
      corpus.source_id = "files";
      for (const auto& file : source.files) {
        if (!fs::is_regular_file(file)) {
          fail<ConfigError>("source.files: {} is not a file: check source.files in the recipe", file);
        }
        add_file(corpus, recipe.select, file, file);
      }
      break;
  }
  if (source.kind != SourceKind::files) {
    std::error_code error;
    auto it = fs::recursive_directory_iterator(corpus.root, error);
    if (error) fail<RuntimeError>("cannot list {}: {}", corpus.root.string(), error.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (error) fail<RuntimeError>("cannot list {}: {}", it->path().string(), error.message());
      if (!it->is_regular_file() || it->is_symlink()) continue;
      add_file(corpus, recipe.select, it->path(), it->path().lexically_relative(corpus.root).generic_string());
    }
  }
  std::sort(corpus.files.begin(), corpus.files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  if (corpus.files.empty()) {
    fail<ConfigError>("the corpus is empty: no file of {} passes [select] include/exclude{}; check "
                      "the globs in the recipe",
                      source.kind == SourceKind::files ? "source.files" : corpus.root.string(),
                      corpus.skipped_binary ? fmt::format(" ({} binary files skipped)", corpus.skipped_binary) : "");
  }
  Hash64 fingerprint;
  fingerprint.update(corpus.source_id);
  for (const auto& file : corpus.files) {
    fingerprint.update(file.path);
    fingerprint.update_value(file.bytes);
    fingerprint.update_value(file.modified_ns);
  }
  corpus.fingerprint = fingerprint.digest();
  return corpus;
}

std::vector<Document> form_documents(const CorpusFiles& corpus, const DocumentSpec& spec) {
  const auto header_bytes = [&](const SourceFile& file) -> uint64_t {
    if (spec.header.empty()) return 0;
    std::string header = spec.header;
    const size_t at = header.find("{path}");
    return header.size() + 1 + (at == std::string::npos ? 0 : file.path.size() - 6);
  };
  std::vector<Document> documents;
  std::map<std::string, size_t> by_directory;
  for (uint32_t i = 0; i < corpus.files.size(); ++i) {
    const SourceFile& file = corpus.files[i];
    std::string name = file.path;
    if (spec.unit == DocumentUnit::directory) {
      const size_t slash = file.path.rfind('/');
      name = slash == std::string::npos ? "." : file.path.substr(0, slash);
    }
    auto [it, added] = by_directory.try_emplace(name, documents.size());
    if (added) documents.push_back({name, {}, 0});
    Document& document = documents[it->second];
    document.files.push_back(i);
    document.bytes += header_bytes(file) + file.bytes + 1;  // at most one newline added
  }
  std::erase_if(documents, [&](const Document& d) { return d.bytes < uint64_t(spec.min_bytes); });
  return documents;
}

std::string read_document(const CorpusFiles& corpus, const Document& document, const DocumentSpec& spec) {
  std::string text;
  text.reserve(document.bytes);
  for (size_t k = 0; k < document.files.size(); ++k) {
    const SourceFile& file = corpus.files[document.files[k]];
    if (!spec.header.empty()) {
      std::string header = spec.header;
      if (const size_t at = header.find("{path}"); at != std::string::npos) header.replace(at, 6, file.path);
      text += header;
      text += '\n';
    }
    text += read_file(corpus.root.empty() ? fs::path(file.path) : corpus.root / file.path);
    const bool more_follow = k + 1 < document.files.size();
    if (more_follow && !text.empty() && text.back() != '\n') text += '\n';
  }
  return text;
}

}  // namespace longnet::data
