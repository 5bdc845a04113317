#include "data/debian_source.h"

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "common/error.h"
#include "common/hash.h"
#include "common/subprocess.h"
#include "common/atomic_file.h"

namespace longnet::data {

namespace fs = std::filesystem;

namespace {

// The version apt would fetch: the pinned one if apt knows it, else the candidate.
std::string resolve_version(const SourceSpec& source) {
  const std::string wanted = source.version.empty() ? source.package : source.package + "=" + source.version;
  const auto shown = run_command({"apt-cache", "show", "--no-all-versions", wanted});
  std::smatch version;
  if (shown.exit_code != 0 || !std::regex_search(shown.output, version, std::regex("\nVersion: ([^\n]+)"))) {
    fail<ConfigError>("source.package: apt does not know the Debian package '{}'{}: check the name "
                      "and version in the recipe (`apt-cache policy {}`), or run `apt-get update`",
                      source.package, source.version.empty() ? "" : " version " + source.version,
                      source.package);
  }
  return version[1].str();
}

void run_or_fail(const std::vector<std::string>& argv, const fs::path& dir, const std::string& what) {
  const auto result = run_command(argv, dir.string());
  if (result.exit_code != 0) {
    fail<RuntimeError>("{} failed (exit {}): {}\n{}", what, result.exit_code, fmt::join(argv, " "),
                       result.output);
  }
}

}  // namespace

FetchedPackage fetch_debian_source(const SourceSpec& source) {
  FetchedPackage fetched{{}, source.package, resolve_version(source), "", false};
  const fs::path package_dir = fs::absolute(fs::path(source.cache_dir) / source.package);
  const fs::path dir = package_dir / fetched.version;
  const fs::path stamp = dir / "fetched.json";

  if (fs::exists(stamp)) {
    const auto recorded = nlohmann::json::parse(std::ifstream(stamp));
    fetched.sha256 = recorded.at("sha256");
    fetched.reused = true;
  } else {
    fs::create_directories(package_dir);
    const fs::path work = package_dir / fmt::format("{}.tmp-{}", fetched.version, ::getpid());
    fs::remove_all(work);
    fs::create_directories(work / "tree");
    fmt::print(stderr, "prepare: downloading {} {} into {}\n", source.package, fetched.version,
               package_dir.string());
    run_or_fail({"apt-get", "download", source.package + "=" + fetched.version}, work, "apt-get download");
    fs::path deb;
    for (const auto& entry : fs::directory_iterator(work)) {
      if (entry.path().extension() == ".deb") deb = entry.path();
    }
    if (deb.empty()) fail<RuntimeError>("apt-get download left no .deb in {}", work.string());
    fetched.sha256 = sha256_file(deb);
    if (!source.sha256.empty() && source.sha256 != fetched.sha256) {
      fs::remove_all(work);
      fail<ConfigError>("source.sha256: {} {} has SHA-256 {}, the recipe expects {}: update "
                        "source.sha256 (or source.version) in the recipe",
                        source.package, fetched.version, fetched.sha256, source.sha256);
    }
    fmt::print(stderr, "prepare: unpacking {}\n", deb.filename().string());
    run_or_fail({"dpkg-deb", "-x", deb.string(), "tree"}, work, "unpacking the package");
    if (!source.archive.empty()) {
      const fs::path archive = work / "tree" / source.archive;
      if (!fs::exists(archive)) {
        fail<ConfigError>("source.archive: the package has no file {}: check the path (`dpkg-deb "
                          "-c {}` lists its files)",
                          source.archive, deb.string());
      }
      run_or_fail({"tar", "-xf", archive.string(), "-C", (work / "tree").string()}, work,
                  "unpacking " + source.archive);
      fs::remove(archive);
    }
    fs::remove(deb);
    const nlohmann::json record = {{"package", source.package},
                                   {"version", fetched.version},
                                   {"sha256", fetched.sha256},
                                   {"deb", deb.filename().string()},
                                   {"archive", source.archive}};
    write_file_atomically(work / "fetched.json", record.dump(2) + "\n");
    fs::remove_all(dir);
    fs::rename(work, dir);
  }
  if (!source.sha256.empty() && source.sha256 != fetched.sha256) {
    fail<ConfigError>("source.sha256: the cached {} {} has SHA-256 {}, the recipe expects {}",
                      source.package, fetched.version, fetched.sha256, source.sha256);
  }
  fetched.root = dir / "tree" / source.root;
  if (!fs::is_directory(fetched.root)) {
    fail<ConfigError>("source.root: '{}' is not a folder of the unpacked package (under {})",
                      source.root, (dir / "tree").string());
  }
  return fetched;
}

}  // namespace longnet::data
