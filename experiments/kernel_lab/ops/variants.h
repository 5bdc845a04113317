#pragma once
// The numbered variants of the ops kernel lab, all with the library's signatures
// (ops/cuda/elementwise.h, ops/cuda/layernorm.h). 01 of each is the library itself. Calls a
// variant does not cover (other ops, strided or f64 views, rows too wide for the register
// kernels) run the library, so every variant computes every call.
#include "ops/cuda/elementwise.h"
#include "ops/cuda/layernorm.h"

namespace longnet::cuda::lab {

// Elementwise 02: the 16-byte dense kernel instantiated twice, for "every input dense" (no
// row-repeat code at all) and "some input repeats one row" (the library's per-load modulo).
// 03: as 02, but the repeat path keeps each thread's offset into the row and advances it by
// an add and a compare per grid-stride step, over a grid capped at a few blocks per SM.
// Ops covered: gelu (unary), gelu_backward and add (binary); f32/bf16 storage.
void unary_split(DeviceContext& ctx, UnaryOp op, double alpha, const Extent& extent, const InView& in,
                 const OutView& out);
void binary_split(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a, const InView& b,
                  const OutView& out, double alpha = 0);
void unary_incremental(DeviceContext& ctx, UnaryOp op, double alpha, const Extent& extent, const InView& in,
                       const OutView& out);
void binary_incremental(DeviceContext& ctx, BinaryOp op, const Extent& extent, const InView& a,
                        const InView& b, const OutView& out, double alpha = 0);

// LayerNorm backward 02: the library's fused register kernel with the per-lane dgamma/dbeta sums
// moved to shared memory (slot (p * 8 + j) * 32 + lane of the warp's own area: conflict-free,
// no syncs in the row loop), so the kernel fits in 64 registers: 4 blocks of 256 threads (32
// warps) per SM, one block per SM slot (the grid fills one wave); a coalesced combine kernel
// adds the block partials in a fixed order. 03: as 02, with the combine done by the last block
// to finish (an integer ticket) instead of a second launch; same order, so the same bits.
void layernorm_backward_smem_sums(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy, ConstRows x,
                                  const float* mean, const float* rstd, const void* gamma, Rows dx,
                                  ConstRows dx_add, void* dgamma, void* dbeta);
void layernorm_backward_last_block_combine(DeviceContext& ctx, const LayerNormShape& s, ConstRows dy,
                                           ConstRows x, const float* mean, const float* rstd,
                                           const void* gamma, Rows dx, ConstRows dx_add, void* dgamma,
                                           void* dbeta);

using UnaryFn = void (*)(DeviceContext&, UnaryOp, double, const Extent&, const InView&, const OutView&);
using BinaryFn = void (*)(DeviceContext&, BinaryOp, const Extent&, const InView&, const InView&,
                          const OutView&, double);
using LayerNormBackwardFn = void (*)(DeviceContext&, const LayerNormShape&, ConstRows, ConstRows, const float*,
                                     const float*, const void*, Rows, ConstRows, void*, void*);

struct ElementwiseVariant {
  const char* name;
  UnaryFn unary;
  BinaryFn binary;
};

struct LayerNormVariant {
  const char* name;
  LayerNormBackwardFn backward;
};

inline constexpr ElementwiseVariant kElementwiseVariants[] = {
    {"01_library", unary, binary},
    {"02_split", unary_split, binary_split},
    {"03_incremental", unary_incremental, binary_incremental},
};

inline constexpr LayerNormVariant kLayerNormVariants[] = {
    {"01_library", layernorm_backward},
    {"02_smem_sums", layernorm_backward_smem_sums},
    {"03_last_block", layernorm_backward_last_block_combine},
};

}  // namespace longnet::cuda::lab
