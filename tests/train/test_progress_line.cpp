// The progress line of docs/train.md, and its MFU cell when the device's peak is unknown.
#include <gtest/gtest.h>

#include <limits>

#include "train/progress_line.h"

namespace longnet::train {
namespace {

StepReport report(double mfu) {
  return {.step = 120, .total_steps = 300, .loss = 5.4321, .lr = 6e-4, .grad_norm = 1.23,
          .tokens_per_second = 12345, .mfu = mfu, .memory_bytes = int64_t(512) << 20,
          .eta_seconds = 123};
}

TEST(ProgressLine, ShowsTheDocumentedFields) {
  EXPECT_EQ(format_step(report(0.041)),
            "step 120/300 | loss 5.4321 | lr 6.00e-04 | gnorm 1.23 | 12.3K tok/s | MFU 4.1% | "
            "mem 512 MB | ETA 2m03s");
}

TEST(ProgressLine, AnUnknownPeakShowsMfuAsNotAvailable) {
  const std::string line = format_step(report(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_NE(line.find("| MFU n/a |"), std::string::npos) << line;
}

}  // namespace
}  // namespace longnet::train
