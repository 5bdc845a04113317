#include "data/recipe.h"

#include "config/load.h"

namespace longnet::data {

void SourceSpec::validate(const config::Checker& check) const {
  switch (kind) {
    case SourceKind::debian:
      check.require(!package.empty(), {"package", "kind"},
                    check.name("package") + " is required when kind = \"debian\" (e.g. \"linux-source-6.1\")");
      break;
    case SourceKind::directory:
      check.require(!path.empty(), {"path", "kind"},
                    check.name("path") + " is required when kind = \"directory\"");
      break;
    case SourceKind::files:
      check.require(!files.empty(), {"files", "kind"},
                    check.name("files") + " must list at least one file when kind = \"files\"");
      break;
  }
}

void SplitSpec::validate(const config::Checker& check) const {
  check.require(valid + test < 1, {"valid", "test"},
                check.name("valid") + " + " + check.name("test") +
                    " must be below 1, or nothing is left to train on");
}

Recipe load_recipe(const std::filesystem::path& file, std::span<const std::string> overrides) {
  auto recipe = config::load_config<Recipe>(file.string(), overrides);
  if (recipe.name.empty()) recipe.name = file.stem().string();
  if (recipe.output.empty()) recipe.output = "cache/data/" + recipe.name;
  return recipe;
}

}  // namespace longnet::data
