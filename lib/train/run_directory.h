#pragma once
// The run directory of `longnet train --out RUN_DIR`:
//   config.toml      the resolved config (every key, vocab_size filled in)
//   command.txt      the exact command line of every invocation, one per line
//   tokenizer.model  a copy of the corpus's tokenizer (for `longnet perplexity`)
//   metrics.jsonl    one JSON object per logged step and per evaluation
//   checkpoints/     see checkpoint.h
#include <filesystem>
#include <string>

#include "config/experiment.h"

namespace longnet::train {

// Prepares RUN_DIR for a fresh run or a resume. A fresh run refuses a directory that already
// holds checkpoints (UsageError: pass --resume or another --out), so good files are never
// overwritten; a resume needs one.
void prepare_run_directory(const std::filesystem::path& run_dir, bool resume);

// Records the resolved config, appends the command line and copies the tokenizer.
void record_run(const std::filesystem::path& run_dir, const std::string& config_toml,
                const std::string& command_line, const std::filesystem::path& tokenizer_file);

// ConfigError naming every key (section.key) that differs between the checkpoint's config and
// the one given, among those a resume must keep: [model], [attention], data.dir,
// data.train_split and train.{seq_len, tokens_per_step, micro_batch, seed}.
void check_resume_compatible(const config::ExperimentConfig& saved,
                             const config::ExperimentConfig& given,
                             const std::filesystem::path& checkpoint);

}  // namespace longnet::train
