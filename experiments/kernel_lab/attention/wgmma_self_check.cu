// Proves wgmma_ops.cuh's descriptors, swizzle and fragment layouts before variant 17 builds on
// them: one warpgroup multiplies small integers (exact in bf16 and in fp32 sums) in the three
// forms the kernel uses, over four k16 steps each, and the host compares every element with its
// own sums.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "gpu_attention_run.h"
#include "variants.h"
#include "wgmma_ops.cuh"

namespace longnet::attention::lab {
namespace {

constexpr int kM = 64, kK = 64, kN = 128;  // A [kM][kK], B [kN][kK], V [kK][64]

// Stores element (r, c) of a row-major [rows][64] matrix at its swizzled place in `tile`.
__device__ void store_swizzled(uint16_t* tile, const uint16_t* src, int rows) {
  for (int i = threadIdx.x; i < rows * 64; i += blockDim.x) {
    const int r = i / 64, c = i % 64;
    tile[cuda_detail::swizzled<64>(r, c & ~7) + c % 8] = src[i];
  }
}

template <int N>
__device__ void store_acc(float* out, const float (&d)[N], int warp, int lane) {
#pragma unroll
  for (int i = 0; i < N; ++i) out[acc_row(warp, lane, i) * 2 * N + acc_col(lane, i)] = d[i];
}

// s128 = A B^T, s64 = A B[0:64]^T (shared x shared), o = A V (A from registers).
__global__ void __launch_bounds__(128) self_check_kernel(const uint16_t* a, const uint16_t* b,
                                                         const uint16_t* v, float* s128,
                                                         float* s64, float* o) {
  extern __shared__ unsigned char smem_raw[];
  auto* sa = reinterpret_cast<uint16_t*>(align_1024(smem_raw));
  uint16_t* sb = sa + kM * kK;
  uint16_t* sv = sb + kN * kK;
  store_swizzled(sa, a, kM);
  store_swizzled(sb, b, kN);
  store_swizzled(sv, v, kK);
  fence_async_shared();
  __syncthreads();
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;

  float d128[64] = {}, d64[32] = {}, dv[32] = {};
  // A in accumulator layout, as the kernel holds P.
  float pa[32];
#pragma unroll
  for (int i = 0; i < 32; ++i) {
    const uint16_t bits = a[acc_row(warp, lane, i) * kK + acc_col(lane, i)];
    pa[i] = __uint_as_float(static_cast<uint32_t>(bits) << 16);
  }
  uint32_t af[kK / 16][4];
#pragma unroll
  for (int kk = 0; kk < kK / 16; ++kk) pack_a(af[kk], pa, kk);

  const uint64_t da = swizzled_tile_desc(sa), db = swizzled_tile_desc(sb),
                 dvv = swizzled_tile_desc(sv);
  pin_registers(d128);
  pin_registers(d64);
  pin_registers(dv);
  wgmma_fence();
#pragma unroll
  for (int kk = 0; kk < kK / 16; ++kk) {
    wgmma_ss_n128(d128, desc_advance(da, 32 * kk), desc_advance(db, 32 * kk), kk > 0);
    wgmma_ss_n64(d64, desc_advance(da, 32 * kk), desc_advance(db, 32 * kk), kk > 0);
    wgmma_rs_n64(dv, af[kk], desc_advance(dvv, 16 * 128 * kk), kk > 0);
  }
  wgmma_commit();
  wgmma_wait<0>();
  pin_registers(d128);
  pin_registers(d64);
  pin_registers(dv);
  store_acc(s128, d128, warp, lane);
  store_acc(s64, d64, warp, lane);
  store_acc(o, dv, warp, lane);
}

// Counts the elements of got that differ from want and prints the first.
int mismatches(const char* what, const std::vector<float>& got, const std::vector<double>& want,
               int cols) {
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] == want[i]) continue;
    if (bad++ == 0) {
      std::printf("  %s: first mismatch at (%zu, %zu): got %g, want %g\n", what, i / cols,
                  i % cols, got[i], want[i]);
    }
  }
  std::printf("  %-28s %d of %zu elements differ\n", what, bad, got.size());
  return bad;
}

}  // namespace

bool wgmma_self_check() {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> small(-4, 4);
  // Small integers are exact in bf16: the bf16 bits are the float's top half.
  const auto draw = [&](int n, std::vector<float>& values, std::vector<uint16_t>& bits) {
    values.resize(n);
    bits.resize(n);
    for (int i = 0; i < n; ++i) {
      values[i] = static_cast<float>(small(rng));
      uint32_t u;
      std::memcpy(&u, &values[i], 4);
      bits[i] = static_cast<uint16_t>(u >> 16);
    }
  };
  std::vector<float> a, b, v;
  std::vector<uint16_t> a_bits, b_bits, v_bits;
  draw(kM * kK, a, a_bits);
  draw(kN * kK, b, b_bits);
  draw(kK * 64, v, v_bits);
  std::vector<double> s128(kM * kN), s64(kM * 64), o(kM * 64);
  for (int i = 0; i < kM; ++i) {
    for (int j = 0; j < kN; ++j) {
      double x = 0;
      for (int k = 0; k < kK; ++k) x += double(a[i * kK + k]) * b[j * kK + k];
      s128[i * kN + j] = x;
      if (j < 64) s64[i * 64 + j] = x;
    }
    for (int j = 0; j < 64; ++j) {
      double x = 0;
      for (int k = 0; k < kK; ++k) x += double(a[i * kK + k]) * v[k * 64 + j];
      o[i * 64 + j] = x;
    }
  }

  using testing::DeviceBuffer;
  DeviceBuffer da(a_bits.size() * 2), db(b_bits.size() * 2), dv(v_bits.size() * 2),
      ds128(s128.size() * 4), ds64(s64.size() * 4), dout(o.size() * 4);
  da.upload(a_bits.data(), da.bytes());
  db.upload(b_bits.data(), db.bytes());
  dv.upload(v_bits.data(), dv.bytes());
  const int smem = kTileAlign + 2 * (kM * kK + kN * kK + kK * 64);
  testing::check_cuda_call(cudaFuncSetAttribute(self_check_kernel,
                                                cudaFuncAttributeMaxDynamicSharedMemorySize, smem),
                           "wgmma self-check shared memory");
  self_check_kernel<<<1, 128, smem>>>(da.as<uint16_t>(), db.as<uint16_t>(), dv.as<uint16_t>(),
                                      ds128.as<float>(), ds64.as<float>(), dout.as<float>());
  testing::check_cuda_call(cudaDeviceSynchronize(), "wgmma self-check");
  std::printf("# wgmma self-check: integer products against the CPU, exact\n");
  const int bad = mismatches("S = A B^T (SS m64n128k16)", ds128.download<float>(s128.size()),
                             s128, kN) +
                  mismatches("S = A B^T (SS m64n64k16)", ds64.download<float>(s64.size()), s64,
                             64) +
                  mismatches("O = A V (RS m64n64k16)", dout.download<float>(o.size()), o, 64);
  std::printf("wgmma self-check: %s\n", bad == 0 ? "ok" : "FAILED");
  return bad == 0;
}

}  // namespace longnet::attention::lab
