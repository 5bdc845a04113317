// The experiment config: its rules between keys, the shipped experiment files, round-trips and
// the documentation of every key.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "config/describe.h"
#include "config/experiment.h"
#include "expect_contains.h"
#include "support/file_bytes.h"

namespace longnet::config {

namespace {

std::string config_error(const std::string& text, std::vector<std::string> sets = {}) {
  try {
    parse_experiment(text, "exp.toml", sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(ExperimentConfig, DefaultsAreThePapers) {
  ExperimentConfig c = parse_experiment("", "empty.toml");
  EXPECT_EQ(c.model.layers, 12);
  EXPECT_EQ(c.model.dim, 768);
  EXPECT_EQ(c.model.heads, 12);
  EXPECT_EQ(c.model.ffn_dim, 3072);
  EXPECT_EQ(c.model.xpos_scale_base, 512.0);
  EXPECT_EQ(c.attention.kind, AttentionKind::dilated);
  EXPECT_EQ(c.attention.segment_lengths, (std::vector<int64_t>{2048, 4096, 8192, 16384, 32768}));
  EXPECT_EQ(c.attention.dilation_rates, (std::vector<int64_t>{1, 2, 4, 6, 12}));
  EXPECT_EQ(c.attention.sparse.block, 2048);
  EXPECT_EQ(c.attention.sparse.summary, 128);
  EXPECT_EQ(c.train.lr, 6e-4);
  EXPECT_EQ(c.train.beta2, 0.98);
  EXPECT_EQ(c.train.warmup_steps, 750);
  EXPECT_EQ(c.train.clip_grad_norm, 2.0);
  EXPECT_EQ(c.train.schedule, Schedule::polynomial);
  EXPECT_EQ(c.eval.lengths, (std::vector<int64_t>{2048, 8192, 32768}));
}

TEST(ExperimentConfig, MisspeltKeySuggestsTheRealOne) {
  auto message = config_error("[attention]\nkind = \"dilated\"\nsegement_lengths = [1]\n");
  EXPECT_CONTAINS(message, "exp.toml:3:1:");
  EXPECT_CONTAINS(message, "unknown key 'attention.segement_lengths'");
  EXPECT_CONTAINS(message, "did you mean 'segment_lengths'?");
}

TEST(ExperimentConfig, UnknownSectionSuggestsTheRealOne) {
  EXPECT_CONTAINS(config_error("[trian]\nlr = 1e-3\n"), "did you mean 'train'?");
}

TEST(ExperimentConfig, BadAttentionKindListsTheKinds) {
  auto message = config_error("[attention]\nkind = \"dialted\"\n");
  EXPECT_CONTAINS(message, "exp.toml:2:8:");
  EXPECT_CONTAINS(message, "attention.kind = 'dialted' is not one of: dense, sparse, dilated");
  EXPECT_CONTAINS(message, "did you mean 'dilated'?");
}

TEST(ExperimentConfig, PatternListsOfUnequalLengthAreRejected) {
  auto message =
      config_error("[attention]\nsegment_lengths = [128, 256]\ndilation_rates = [1, 2, 4]\n");
  EXPECT_CONTAINS(message, "exp.toml:3:1:");
  EXPECT_CONTAINS(message,
                  "attention.segment_lengths has 2 entries but attention.dilation_rates has 3");
}

TEST(ExperimentConfig, DilationRatesMustBePositive) {
  EXPECT_CONTAINS(config_error("[attention]\ndilation_rates = [1, 0, 4, 6, 12]\n"),
                  "attention.dilation_rates[1] = 0 is out of range: must be >= 1");
}

TEST(ExperimentConfig, SparseSummaryMustFitInTheBlock) {
  auto message = config_error("[attention.sparse]\nblock = 64\nsummary = 128\n");
  EXPECT_CONTAINS(message, "exp.toml:3:1:");
  EXPECT_CONTAINS(message,
                  "attention.sparse.summary (128) must be at most attention.sparse.block (64)");
}

TEST(ExperimentConfig, DimMustSplitIntoEvenHeads) {
  auto message = config_error("[model]\nheads = 12\ndim = 100\n");
  EXPECT_CONTAINS(message, "exp.toml:3:1:");
  EXPECT_CONTAINS(message, "model.dim (100) must be a multiple of model.heads (12)");
  EXPECT_CONTAINS(config_error("[model]\ndim = 12\nheads = 4\n"),
                  "head dimension model.dim / model.heads = 3 must be even");
}

TEST(ExperimentConfig, TokensPerStepMustBeWholeMicroBatchesNamingBothKeys) {
  auto message = config_error("[train]\nseq_len = 1000\ntokens_per_step = 65536\n");
  EXPECT_CONTAINS(message, "exp.toml:3:1:");
  EXPECT_CONTAINS(message,
                  "train.tokens_per_step (65536) must be a multiple of train.seq_len * "
                  "train.micro_batch (1000 * 1 = 1000)");
  ExperimentConfig c = parse_experiment(
      "[train]\nseq_len = 512\ntokens_per_step = 8192\n"
      "micro_batch = 4\n",
      "exp.toml");
  EXPECT_EQ(c.train.accumulation_steps(), 4);
  EXPECT_EQ(c.train.sequences_per_step(), 16);
}

TEST(ExperimentConfig, Bf16NeedsAGpu) {
  EXPECT_CONTAINS(config_error("[train]\ndevice = \"cpu\"\nprecision = \"bf16\"\n"),
                  "exp.toml:3:1: train.precision = \"bf16\" needs a GPU");
}

TEST(ExperimentConfig, MinLrMayNotExceedLr) {
  EXPECT_CONTAINS(config_error("[train]\nlr = 1e-4\nmin_lr = 1e-3\n"),
                  "train.min_lr (0.001) must be at most train.lr (0.0001)");
}

TEST(ExperimentConfig, ScaleLengthsAndHeadDimAreChecked) {
  EXPECT_CONTAINS(config_error("[scale]\nmin_tokens = 4096\nmax_tokens = 1024\n"),
                  "scale.max_tokens (1024) must be at least scale.min_tokens (4096)");
  EXPECT_CONTAINS(config_error("[scale]\nhead_dim = 63\n"),
                  "head dimension scale.head_dim = 63 must be even");
  EXPECT_CONTAINS(config_error("[scale]\nkinds = [\"dense\", \"flash\"]\n"),
                  "scale.kinds[1] = 'flash' is not one of: dense, sparse, dilated");
  ExperimentConfig c = parse_experiment("[scale]\ndim = 1024\nheads = 8\n", "exp.toml");
  EXPECT_EQ(c.scale.resolved_head_dim(), 128);
}

TEST(ExperimentConfig, SetOverridesTheFile) {
  const std::vector<std::string> sets = {"train.lr=3e-4", "attention.kind=dense",
                                         "attention.segment_lengths=[1024,2048]",
                                         "attention.dilation_rates=[1,2]", "scale.kinds=[dense]"};
  ExperimentConfig c = parse_experiment("[train]\nlr = 1e-3\n", "exp.toml", sets);
  EXPECT_EQ(c.train.lr, 3e-4);
  EXPECT_EQ(c.attention.kind, AttentionKind::dense);
  EXPECT_EQ(c.attention.segment_lengths, (std::vector<int64_t>{1024, 2048}));
  EXPECT_EQ(c.scale.kinds, std::vector<AttentionKind>{AttentionKind::dense});
}

TEST(ExperimentConfig, SetErrors) {
  EXPECT_CONTAINS(config_error("", {"train.lr=fast"}),
                  "--set train.lr=fast: 'fast' is not a TOML value");
  EXPECT_CONTAINS(
      config_error("", {"train.seq_len=\"long\""}),
      "--set train.seq_len=\"long\": train.seq_len: expected an integer, found a string");
  EXPECT_CONTAINS(config_error("", {"train.seq_len=0"}), "train.seq_len = 0 is out of range");
  EXPECT_CONTAINS(config_error("", {"attention.segment_length=[1]"}),
                  "did you mean 'attention.segment_lengths'?");
  EXPECT_CONTAINS(config_error("", {"attention.segment_lengths=[1024]"}),
                  "attention.segment_lengths has 1 entries but attention.dilation_rates has 5");
  EXPECT_THROW(parse_experiment("", "exp.toml", std::vector<std::string>{"train.lr"}), UsageError);
}

TEST(ExperimentConfig, ResolvedTomlReadsBackEqual) {
  ExperimentConfig c;
  c.model.dim = 256;
  c.model.heads = 8;
  c.model.dropout = 0.1;
  c.model.tie_embeddings = true;
  c.attention.kind = AttentionKind::sparse;
  c.attention.head_offsets = HeadOffsets::blocked;
  c.attention.sparse = {512, 32};
  c.data.dir = "runs/data/some \"quoted\" dir";
  c.train.lr = 1.0 / 3.0;
  c.train.eps = 1e-12;
  c.train.schedule = Schedule::cosine;
  c.train.precision = Precision::bf16;
  c.eval.lengths = {4096};
  c.scale.kinds = {AttentionKind::sparse};
  c.scale.mode = ScaleMode::both;
  const std::string text = experiment_to_toml(c);
  EXPECT_EQ(parse_experiment(text, "resolved.toml"), c) << text;
  EXPECT_EQ(experiment_to_toml(parse_experiment(text, "resolved.toml")), text);
}

TEST(ExperimentFiles, EveryShippedExperimentValidatesAndRoundTrips) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LONGNET_SOURCE_DIR "/experiments")) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    ExperimentConfig c;
    ASSERT_NO_THROW(c = load_experiment(entry.path().string()));
    EXPECT_EQ(parse_experiment(experiment_to_toml(c), "resolved.toml"), c);
  }
  EXPECT_GE(files, 4);
}

TEST(ExperimentFiles, BaselinesDifferFromLongNetOnlyInAttention) {
  const std::string dir = LONGNET_SOURCE_DIR "/experiments/";
  ExperimentConfig longnet = load_experiment(dir + "longnet-8k.toml");
  for (const char* name : {"dense-8k.toml", "sparse-8k.toml"}) {
    ExperimentConfig baseline = load_experiment(dir + name);
    EXPECT_NE(baseline.attention.kind, longnet.attention.kind) << name;
    baseline.attention = longnet.attention;
    EXPECT_EQ(baseline, longnet) << name;
  }
}

// docs/config.md has a table per section, one row per key: "| `key` | type | `default` | ...".
TEST(ExperimentDocs, EveryKeyIsDocumentedWithItsDefault) {
  const std::string docs = testing::read_file_bytes(LONGNET_SOURCE_DIR "/docs/config.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& field : describe<ExperimentConfig>()) {
    const auto dot = field.key.rfind('.');
    const std::string heading = "## [" + field.key.substr(0, dot) + "]\n";
    const auto start = docs.find(heading);
    ASSERT_NE(start, std::string::npos) << "docs/config.md has no section " << heading;
    const auto end = docs.find("\n## ", start + 1);
    const std::string section = docs.substr(start, end - start);
    const std::string row = "\n| `" + field.key.substr(dot + 1) + "` |";
    const auto at = section.find(row);
    ASSERT_NE(at, std::string::npos) << field.key << " is not documented in docs/config.md";
    const std::string line = section.substr(at + 1, section.find('\n', at + 1) - at - 1);
    EXPECT_NE(line.find("| `" + field.value + "` |"), std::string::npos)
        << field.key << ": docs/config.md does not give the default " << field.value << ": "
        << line;
  }
}

}  // namespace longnet::config
