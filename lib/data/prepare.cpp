#include "data/prepare.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "common/build_info.h"
#include "common/error.h"
#include "common/hash.h"
#include "common/progress.h"
#include "config/toml_writer.h"
#include "common/atomic_file.h"
#include "data/corpus.h"
#include "data/length_stats.h"
#include "data/shard.h"
#include "data/split.h"
#include "data/tokenizer_training.h"

namespace longnet::data {

namespace fs = std::filesystem;

namespace {

constexpr const char* kTokenizerStamp = "tokenizer.stamp";
// Text encoded per batch: documents of a batch are shared out among threads, then written in order.
constexpr uint64_t kBatchBytes = 32 << 20;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of this process, all threads: a measure of work that other jobs on a shared
// machine do not inflate.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// What the tokenizer depends on: every setting but the name and output, and the input files.
uint64_t tokenizer_key(const Recipe& recipe, const CorpusFiles& corpus) {
  Recipe settings = recipe;
  settings.name.clear();
  settings.output.clear();
  Hash64 key;
  key.update(config::to_toml(settings));
  key.update_value(corpus.fingerprint);
  return key.digest();
}

// Runs `work(i)` for i in [0, count) on `threads` threads while the calling thread reports
// progress from `done`.
template <class Work>
void run_parallel(size_t count, int threads, const Work& work, std::atomic<uint64_t>& done,
                  Progress& progress, uint64_t& reported) {
  std::atomic<size_t> next{0};
  std::atomic<int> running{threads};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      try {
        for (size_t i; (i = next++) < count;) work(i);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
      --running;
    });
  }
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const uint64_t now = done.load();
    progress.advance(now - reported);
    reported = now;
  }
  pool.clear();
  const uint64_t now = done.load();
  progress.advance(now - reported);
  reported = now;
  if (failure) std::rethrow_exception(failure);
}

std::vector<std::string> sample_sentences(const Recipe& recipe, const CorpusFiles& corpus,
                                          const std::vector<Document>& documents,
                                          const std::vector<size_t>& train) {
  const TokenizerSettings& settings = recipe.tokenizer;
  uint64_t train_bytes = 0;
  for (size_t d : train) train_bytes += documents[d].bytes;
  // Each sentence is kept with the same probability, decided by a hash: the sample does not
  // depend on thread timing and needs no second pass.
  const double keep = std::min(1.0, double(settings.sample_sentences) * double(settings.sentence_bytes) /
                                        double(std::max<uint64_t>(train_bytes, 1)));
  const auto threshold = static_cast<uint64_t>(keep * 0x1.0p64 >= 0x1.0p64 ? UINT64_MAX : keep * 0x1.0p64);
  std::vector<std::string> sentences;
  Progress progress("prepare: sampling tokenizer text", train_bytes, "MB", 1e6);
  for (size_t d : train) {
    const std::string text = read_document(corpus, documents[d], recipe.documents);
    uint64_t index = 0;
    cut_into_sentences(text, size_t(settings.sentence_bytes), [&](std::string_view sentence) {
      if (hash64(fmt::format("{}\n{}", documents[d].name, index++)) <= threshold) {
        sentences.emplace_back(sentence);
      }
    });
    progress.advance(documents[d].bytes);
  }
  progress.finish();
  return sentences;
}

struct SplitResult {
  std::vector<uint64_t> lengths;
  uint64_t bytes = 0, tokens = 0, invalid_utf8_bytes = 0, raw_bytes = 0, checksum = 0;
};

SplitResult encode_split(const Recipe& recipe, const CorpusFiles& corpus, const std::vector<Document>& documents,
                         const std::vector<size_t>& members, const Tokenizer& tokenizer,
                         const fs::path& shard_path, int threads, Progress& progress, uint64_t& reported,
                         std::atomic<uint64_t>& done) {
  SplitResult result;
  ShardWriter writer(shard_path, uint32_t(tokenizer.vocab_size()), tokenizer.checksum());
  std::vector<std::vector<uint32_t>> tokens;
  std::vector<EncodeCounts> counts;
  std::vector<uint64_t> bytes;
  for (size_t begin = 0; begin < members.size();) {
    size_t end = begin;
    for (uint64_t batch = 0; end < members.size() && (end == begin || batch < kBatchBytes); ++end) {
      batch += documents[members[end]].bytes;
    }
    tokens.assign(end - begin, {});
    counts.assign(end - begin, {});
    bytes.assign(end - begin, 0);
    run_parallel(
        end - begin, threads,
        [&](size_t i) {
          const Document& document = documents[members[begin + i]];
          const std::string text = read_document(corpus, document, recipe.documents);
          counts[i] = tokenizer.encode(text, tokens[i]);
          bytes[i] = text.size();
          done += document.bytes;
        },
        done, progress, reported);
    for (size_t i = 0; i < tokens.size(); ++i) {
      writer.add_document(tokens[i]);
      result.lengths.push_back(tokens[i].size());
      result.tokens += tokens[i].size();
      result.bytes += bytes[i];
      result.invalid_utf8_bytes += counts[i].invalid_utf8_bytes;
      result.raw_bytes += counts[i].raw_bytes;
    }
    begin = end;
  }
  result.checksum = writer.commit();
  return result;
}

bool shards_up_to_date(const fs::path& out, const std::string& key) {
  if (!fs::exists(out / kManifestFile)) return false;
  try {
    const auto manifest = read_manifest(out);
    if (manifest.at("stage_keys").at("shards") != key) return false;
    verify_prepared(out, manifest);
    return true;
  } catch (const std::exception& e) {
    fmt::print(stderr, "prepare: re-encoding: {}\n", e.what());
    return false;
  }
}

// The 1-minute load average, recorded because the machine may be shared.
double load_average() {
  double loads[1] = {0};
  return getloadavg(loads, 1) == 1 ? loads[0] : 0.0;
}

}  // namespace

std::string shard_file_name(std::string_view split) { return std::string(split) + ".bin"; }

PrepareOutcome prepare_corpus(const Recipe& recipe, const PrepareOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  PrepareOutcome outcome{options.out.empty() ? fs::path(recipe.output) : options.out};
  const fs::path& out = outcome.out;
  const int threads = options.threads > 0 ? options.threads : int(std::max(1u, std::thread::hardware_concurrency()));

  const CorpusFiles corpus = list_corpus_files(recipe);
  const std::vector<Document> documents = form_documents(corpus, recipe.documents);
  uint64_t corpus_bytes = 0;
  std::array<std::vector<size_t>, 3> members;
  for (size_t d = 0; d < documents.size(); ++d) {
    members[size_t(assign_split(documents[d].name, recipe.split))].push_back(d);
    corpus_bytes += documents[d].bytes;
  }
  fmt::print(stderr, "prepare: {}: {} files ({:.1f} MB) in {} documents (train {}, valid {}, test {})\n",
             recipe.name, corpus.files.size(), corpus_bytes / 1e6, documents.size(), members[0].size(),
             members[1].size(), members[2].size());
  if (members[0].empty()) {
    fail<ConfigError>("no document falls in the training split ({} documents in all): lower "
                      "split.valid and split.test or add documents",
                      documents.size());
  }
  fs::create_directories(out);

  // Stage 1: the tokenizer.
  const std::string token_key = hex64(tokenizer_key(recipe, corpus));
  const fs::path model_file = out / kTokenizerFile, stamp_file = out / kTokenizerStamp;
  const auto tokenizer_start = std::chrono::steady_clock::now();
  const double tokenizer_cpu_start = cpu_seconds();
  std::optional<Tokenizer> tokenizer;
  if (fs::exists(model_file) && fs::exists(stamp_file) && read_text_file(stamp_file) == token_key) {
    tokenizer = Tokenizer::load(model_file);
    fmt::print(stderr, "prepare: tokenizer up to date ({})\n", model_file.string());
  } else {
    fs::remove(stamp_file);
    const auto sentences = sample_sentences(recipe, corpus, documents, members[0]);
    fmt::print(stderr, "prepare: training the tokenizer (vocabulary {}) on {} sentences\n",
               recipe.tokenizer.vocab_size, sentences.size());
    tokenizer = train_tokenizer(recipe.tokenizer, sentences, threads);
    tokenizer->save(model_file);
    write_file_atomically(stamp_file, token_key);
    outcome.trained_tokenizer = true;
  }
  const double tokenizer_seconds = seconds_since(tokenizer_start);
  const double tokenizer_cpu = cpu_seconds() - tokenizer_cpu_start;

  // Stage 2: the shards, then the manifest that vouches for them.
  Hash64 shard_key_hash;
  shard_key_hash.update(token_key);
  shard_key_hash.update_value(tokenizer->checksum());
  shard_key_hash.update_value(kShardFormatVersion);
  const std::string shard_key = hex64(shard_key_hash.digest());
  if (shards_up_to_date(out, shard_key)) {
    fmt::print(stderr, "prepare: shards up to date ({})\n", (out / kManifestFile).string());
    return outcome;
  }
  fs::remove(out / kManifestFile);
  const auto encode_start = std::chrono::steady_clock::now();
  const double encode_cpu_start = cpu_seconds();
  Progress progress("prepare: encoding", corpus_bytes, "MB", 1e6);
  std::atomic<uint64_t> done{0};
  uint64_t reported = 0;
  nlohmann::json splits;
  uint64_t total_tokens = 0, total_bytes = 0, invalid_utf8 = 0, raw_bytes = 0;
  for (Split split : kSplits) {
    const std::string name(split_name(split));
    const std::string file = shard_file_name(name);
    const auto result = encode_split(recipe, corpus, documents, members[size_t(split)], *tokenizer, out / file,
                                     threads, progress, reported, done);
    splits[name] = {{"shard", file},
                    {"shard_bytes", fs::file_size(out / file)},
                    {"checksum", hex64(result.checksum)},
                    {"documents", members[size_t(split)].size()},
                    {"tokens", result.tokens},
                    {"bytes", result.bytes},
                    {"bytes_per_token", result.tokens ? double(result.bytes) / double(result.tokens) : 0.0},
                    {"document_tokens", length_statistics(result.lengths)}};
    total_tokens += result.tokens;
    total_bytes += result.bytes;
    invalid_utf8 += result.invalid_utf8_bytes;
    raw_bytes += result.raw_bytes;
  }
  progress.finish();
  const double encode_seconds = seconds_since(encode_start);
  const double encode_cpu = cpu_seconds() - encode_cpu_start;
  outcome.wrote_shards = true;

  const auto& build = build_info();
  const nlohmann::json manifest = {
      {"name", recipe.name},
      {"recipe_file", options.recipe_file},
      {"recipe", config::to_toml(recipe)},
      {"stage_keys", {{"tokenizer", token_key}, {"shards", shard_key}}},
      {"versions",
       {{"longnet", build.version + " (" + build.git_commit + ")"},
        {"sentencepiece", LONGNET_SENTENCEPIECE_VERSION},
        {"shard_format", kShardFormatVersion}}},
      {"source", {{"id", corpus.source_id}, {"root", corpus.root.string()}, {"fingerprint", hex64(corpus.fingerprint)}}},
      {"tokenizer",
       {{"file", kTokenizerFile},
        {"checksum", hex64(tokenizer->checksum())},
        {"vocab_size", tokenizer->vocab_size()},
        {"model_type", std::string(config::enum_name(recipe.tokenizer.model_type))}}},
      {"splits", splits},
      {"totals",
       {{"files", corpus.files.size()},
        {"skipped_binary_files", corpus.skipped_binary},
        {"documents", documents.size()},
        {"bytes", total_bytes},
        {"tokens", total_tokens},
        {"non_utf8_bytes", invalid_utf8},
        {"raw_byte_tokens", raw_bytes}}},
      {"timing",
       {{"threads", threads},
        {"tokenizer_seconds", tokenizer_seconds},
        {"tokenizer_cpu_seconds", tokenizer_cpu},
        {"encode_seconds", encode_seconds},
        {"encode_cpu_seconds", encode_cpu},
        {"encode_mb_per_second", encode_seconds > 0 ? total_bytes / 1e6 / encode_seconds : 0.0},
        {"encode_mb_per_cpu_second", encode_cpu > 0 ? total_bytes / 1e6 / encode_cpu : 0.0},
        {"total_seconds", seconds_since(start)},
        {"load_average_at_end", load_average()}}},
  };
  write_file_atomically(out / kManifestFile, manifest.dump(2) + "\n");
  fmt::print(stderr, "prepare: wrote {} ({} tokens)\n", (out / kManifestFile).string(), total_tokens);
  return outcome;
}

nlohmann::json read_manifest(const fs::path& dir) {
  const fs::path file = dir / kManifestFile;
  std::ifstream in(file);
  if (!in) {
    fail<RuntimeError>("{} not found: is {} an output folder of `longnet prepare`? Run `longnet "
                       "prepare RECIPE.toml --out {}` first",
                       file.string(), dir.string(), dir.string());
  }
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail<RuntimeError>("{} is not valid JSON ({}); run `longnet prepare` again", file.string(), e.what());
  }
}

void verify_prepared(const fs::path& dir, const nlohmann::json& manifest) {
  const auto tokenizer = Tokenizer::load(dir / manifest.at("tokenizer").at("file").get<std::string>());
  for (const auto& [name, split] : manifest.at("splits").items()) {
    const auto shard = Shard::open(dir / split.at("shard").get<std::string>(), tokenizer.checksum());
    if (hex64(shard.checksum()) != split.at("checksum")) {
      fail<RuntimeError>("{} is not the shard the manifest lists (checksum {}, manifest {}); run "
                         "`longnet prepare` again",
                         (dir / split.at("shard").get<std::string>()).string(), hex64(shard.checksum()),
                         split.at("checksum").get<std::string>());
    }
  }
}

std::string describe_manifest(const nlohmann::json& m) {
  std::string text;
  text += fmt::format("corpus     {} (recipe {})\n", m.at("name").get<std::string>(),
                      m.at("recipe_file").get<std::string>());
  text += fmt::format("source     {}\n", m.at("source").at("id").get<std::string>());
  const auto& tok = m.at("tokenizer");
  text += fmt::format("tokenizer  {} {}, vocabulary {}, checksum {}\n", tok.at("model_type").get<std::string>(),
                      tok.at("file").get<std::string>(), tok.at("vocab_size").get<int>(),
                      tok.at("checksum").get<std::string>());
  const auto& totals = m.at("totals");
  text += fmt::format("files      {} ({} binary skipped), {} documents, {:.1f} MB, {} tokens, {} non-UTF-8 bytes\n",
                      totals.at("files").get<uint64_t>(), totals.at("skipped_binary_files").get<uint64_t>(),
                      totals.at("documents").get<uint64_t>(), totals.at("bytes").get<uint64_t>() / 1e6,
                      totals.at("tokens").get<uint64_t>(), totals.at("non_utf8_bytes").get<uint64_t>());
  text += fmt::format("\n| split | documents | tokens | bytes/token | p50 | p90 | p99 | max | >=2K | >=8K | >=32K | >=128K |\n");
  text += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (Split split : kSplits) {
    const auto& s = m.at("splits").at(std::string(split_name(split)));
    const auto& lengths = s.at("document_tokens");
    const auto& at_least = lengths.at("at_least");
    text += fmt::format("| {} | {} | {} | {:.2f} | {} | {} | {} | {} | {} | {} | {} | {} |\n", split_name(split),
                        s.at("documents").get<uint64_t>(), s.at("tokens").get<uint64_t>(),
                        s.at("bytes_per_token").get<double>(), lengths.at("p50").get<uint64_t>(),
                        lengths.at("p90").get<uint64_t>(), lengths.at("p99").get<uint64_t>(),
                        lengths.at("max").get<uint64_t>(), at_least.at("2048").get<uint64_t>(),
                        at_least.at("8192").get<uint64_t>(), at_least.at("32768").get<uint64_t>(),
                        at_least.at("131072").get<uint64_t>());
  }
  const auto& timing = m.at("timing");
  text += fmt::format("\nencoding   {:.1f} MB/s on {} threads ({:.1f} s, {:.1f} MB per CPU-second); "
                      "tokenizer {:.1f} s; total {:.1f} s; load average {:.1f}\n",
                      timing.at("encode_mb_per_second").get<double>(), timing.at("threads").get<int>(),
                      timing.at("encode_seconds").get<double>(), timing.at("encode_mb_per_cpu_second").get<double>(),
                      timing.at("tokenizer_seconds").get<double>(), timing.at("total_seconds").get<double>(),
                      timing.at("load_average_at_end").get<double>());
  return text;
}

}  // namespace longnet::data
