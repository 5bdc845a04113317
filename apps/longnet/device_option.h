#pragma once
// The `--device auto|cpu|cuda` option of the evaluation commands (eval, perplexity): where the
// model runs; on a GPU in bf16 with the losses summed in fp32/double.
#include <CLI/CLI.hpp>

#include <string>

#include "train/device_choice.h"

namespace longnet::cli {

// Registers `--device` on `command` (default cpu) into `device`.
void add_device_option(CLI::App& command, std::string& device);

// The device and precision `device` ("auto", "cpu", "cuda") names on this build and machine.
train::ComputeChoice compute_for(const std::string& device);

}  // namespace longnet::cli
