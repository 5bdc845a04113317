#include "train/run_directory.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"
#include "train/checkpoint.h"

namespace longnet::train {
namespace {

// "section.key" -> value text of a resolved config's TOML.
std::map<std::string, std::string> flatten(const config::ExperimentConfig& config) {
  std::map<std::string, std::string> keys;
  std::istringstream lines(config::experiment_to_toml(config));
  std::string line, section;
  while (std::getline(lines, line)) {
    if (line.starts_with("[")) {
      section = line.substr(1, line.find(']') - 1);
    } else if (const auto eq = line.find(" = "); eq != std::string::npos && line[0] != '#') {
      keys[section + "." + line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  return keys;
}

bool must_match(const std::string& key) {
  static const std::vector<std::string> exact = {"data.dir", "data.train_split", "train.seq_len",
                                                 "train.tokens_per_step", "train.micro_batch",
                                                 "train.seed"};
  if (key.starts_with("model.") || key.starts_with("attention.")) return true;
  return std::find(exact.begin(), exact.end(), key) != exact.end();
}

}  // namespace

void prepare_run_directory(const std::filesystem::path& run_dir, bool resume) {
  const bool has_checkpoint = latest_checkpoint(run_dir).has_value();
  if (resume && !has_checkpoint)
    fail<UsageError>("--resume: {} holds no checkpoint to resume; drop --resume to start a run",
                     run_dir.string());
  if (!resume && has_checkpoint)
    fail<UsageError>("{} already holds a run; pass --resume to continue it, or --out another "
                     "directory",
                     run_dir.string());
  std::filesystem::create_directories(run_dir / "checkpoints");
}

void record_run(const std::filesystem::path& run_dir, const std::string& config_toml,
                const std::string& command_line, const std::filesystem::path& tokenizer_file) {
  write_file_atomically(run_dir / "config.toml", config_toml);
  std::string commands;
  if (std::filesystem::exists(run_dir / "command.txt")) {
    std::ifstream in(run_dir / "command.txt");
    commands.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_file_atomically(run_dir / "command.txt", commands + command_line + "\n");
  std::filesystem::copy_file(tokenizer_file, run_dir / "tokenizer.model",
                             std::filesystem::copy_options::overwrite_existing);
}

void check_resume_compatible(const config::ExperimentConfig& saved,
                             const config::ExperimentConfig& given,
                             const std::filesystem::path& checkpoint) {
  const auto before = flatten(saved), now = flatten(given);
  std::string differences;
  for (const auto& [key, value] : now) {
    const auto it = before.find(key);
    const std::string old_value = it == before.end() ? "(absent)" : it->second;
    if (must_match(key) && old_value != value)
      differences += fmt::format("\n  {}: checkpoint has {}, the config gives {}", key, old_value,
                                 value);
  }
  if (!differences.empty())
    fail<ConfigError>("--resume: the config does not match checkpoint {}:{}\nresume with the "
                      "run's own config.toml, or start a new run with --out",
                      checkpoint.string(), differences);
}

}  // namespace longnet::train
