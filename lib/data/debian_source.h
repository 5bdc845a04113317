#pragma once
// A Debian package as a corpus source: fetched with `apt-get download` into a cache folder,
// unpacked once, its version and SHA-256 recorded. Later runs reuse the cache.
#include <filesystem>
#include <string>

#include "data/recipe.h"

namespace longnet::data {

struct FetchedPackage {
  std::filesystem::path root;  // the corpus root inside the unpacked package
  std::string package, version, sha256;
  bool reused = false;  // found complete in the cache
};

// ConfigError when apt does not know the package (or version), or when a pinned sha256
// differs; RuntimeError when downloading or unpacking fails.
FetchedPackage fetch_debian_source(const SourceSpec& source);

}  // namespace longnet::data
