#pragma once
// Model FLOPs utilisation (MFU): the FLOPs a training step needs, counted from the model (not
// from what the hardware did), over the device's peak. Matrix products count 2 FLOPs per
// multiply-add; backward is twice the forward for the projections and 2.5 times it for the
// attention (attention::forward_flops, the one rule of DESIGN.md section 3).
#include <cstdint>

#include "attention/spec.h"
#include "config/experiment.h"

namespace longnet::train {

// FLOPs of forward + backward over `sequences` sequences of `seq_len` tokens.
double training_flops(const config::ModelConfig& model, const attention::Spec& spec,
                      int64_t seq_len, int64_t sequences);

// Peak dense f32 FLOP/s of this machine's CPU cores, estimated as cores x 3 GHz x 32 (two
// 8-wide FMA units). An estimate: the CPU's MFU is for comparison between runs only.
double cpu_peak_flops();

}  // namespace longnet::train
