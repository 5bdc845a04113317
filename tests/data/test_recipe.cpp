#include <gtest/gtest.h>

#include "common/error.h"
#include "config/describe.h"
#include "data/recipe.h"
#include "tiny_corpus.h"

namespace longnet::data {

TEST(Recipe, ShippedRecipesLoadWithTheirFileNameAsName) {
  for (const char* name : {"quickstart", "linux"}) {
    const auto recipe = load_recipe(std::string(LONGNET_SOURCE_DIR "/data/") + name + ".toml");
    EXPECT_EQ(recipe.name, name);
    EXPECT_EQ(recipe.output, std::string("cache/data/") + name);
    EXPECT_EQ(recipe.source.kind, SourceKind::debian);
    EXPECT_EQ(recipe.documents.unit, DocumentUnit::directory);
  }
}

TEST(Recipe, AKindWithoutItsKeyIsAnErrorAtTheKind) {
  const auto dir = testing::fresh_dir("recipe_kind");
  testing::write_file(dir / "r.toml", "[source]\nkind = \"debian\"\n");
  try {
    load_recipe(dir / "r.toml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("r.toml:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("source.package is required"), std::string::npos) << e.what();
  }
  testing::write_file(dir / "r.toml", "[split]\nvalid = 0.6\ntest = 0.5\n");
  EXPECT_THROW(load_recipe(dir / "r.toml"), ConfigError);
}

// docs/data.md has a table per section, one row per key: "| `key` | type | `default` | ...".
TEST(RecipeDocs, EveryKeyIsDocumentedWithItsDefault) {
  const std::string docs = testing::read_file(LONGNET_SOURCE_DIR "/docs/data.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& field : config::describe<Recipe>()) {
    const auto dot = field.key.rfind('.');
    const std::string heading = dot == std::string::npos ? "## top level\n" : "## [" + field.key.substr(0, dot) + "]\n";
    const auto start = docs.find(heading);
    ASSERT_NE(start, std::string::npos) << "docs/data.md has no section " << heading;
    const std::string section = docs.substr(start, docs.find("\n## ", start + 1) - start);
    const std::string key = dot == std::string::npos ? field.key : field.key.substr(dot + 1);
    const auto at = section.find("\n| `" + key + "` |");
    ASSERT_NE(at, std::string::npos) << field.key << " is not documented in docs/data.md";
    const std::string line = section.substr(at + 1, section.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find("| `" + field.value + "` |"), std::string::npos)
        << field.key << ": docs/data.md does not give the default " << field.value << ": " << line;
  }
}

}  // namespace longnet::data
