// cuda_ops_bench: GEMM TFLOP/s at the model's shapes, and the effective bandwidth of the
// memory-bound kernels (LayerNorm, GELU, cross-entropy, AdamW, XPOS, embedding backward) against a
// device-to-device copy measured in the same run. Each figure is
// the median of CUDA-event timings after warm-up. Prints Markdown.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "ops/cuda/adamw.h"
#include "ops/cuda/cross_entropy.h"
#include "ops/cuda/cuda_check.h"
#include "ops/cuda/elementwise.h"
#include "ops/cuda/embedding.h"
#include "ops/cuda/gemm.h"
#include "ops/cuda/layernorm.h"
#include "ops/cuda/rotary.h"

using namespace longnet::cuda;

namespace {

constexpr double kAnchorTflops = 786;  // cuBLAS bf16 8192^3 on this machine (DESIGN.md section 7)

double median_ms(DeviceContext& ctx, const std::function<void()>& work, int warmup = 3, int reps = 15) {
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  for (int i = 0; i < warmup; ++i) work();
  std::vector<float> ms;
  for (int i = 0; i < reps; ++i) {
    check(cudaEventRecord(start, ctx.stream()), "cudaEventRecord");
    work();
    check(cudaEventRecord(stop, ctx.stream()), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float t = 0;
    check(cudaEventElapsedTime(&t, start, stop), "cudaEventElapsedTime");
    ms.push_back(t);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Uniform values in [-1, 1) as bf16 (or f32), made on the host with a xorshift generator.
Block random_buffer(DeviceContext& ctx, int64_t n, DType t, uint64_t seed) {
  std::vector<uint8_t> host(size_of(t) * n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < n; ++i) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    float v = float(int64_t(s >> 40) - (int64_t(1) << 23)) / float(1 << 23);
    if (t == DType::f32)
      std::memcpy(&host[4 * i], &v, 4);
    else {
      bf16 b = to_bf16(v);
      std::memcpy(&host[2 * i], &b, 2);
    }
  }
  Block b(ctx.memory(), host.size());
  ctx.copy_to_device(b.get(), host.data(), host.size());
  ctx.synchronize();
  return b;
}

void gemm_table(DeviceContext& ctx) {
  struct Shape {
    const char* what;
    int64_t k, n;
  };
  const Shape shapes[] = {{"qkv 768->2304", 768, 2304},
                          {"ffn up 768->3072", 768, 3072},
                          {"ffn down 3072->768", 3072, 768},
                          {"vocab 768->32000", 768, 32000}};
  const int64_t max_tokens = 65536;
  Block x = random_buffer(ctx, max_tokens * 3072, DType::bf16, 1);
  Block w = random_buffer(ctx, 32000 * 768, DType::bf16, 2);
  Block y(ctx.memory(), size_t(2) * max_tokens * 32000), dw_out(ctx.memory(), size_t(2) * 32000 * 768);

  // The anchor's own shape first, as a check of this run against DESIGN.md's figure.
  {
    const int64_t s = 8192;
    Block a = random_buffer(ctx, s * s, DType::bf16, 3), b = random_buffer(ctx, s * s, DType::bf16, 4);
    GemmArgs g;
    g.m = g.n = g.k = s, g.trans_b = true, g.a = a.get(), g.lda = s, g.b = b.get(), g.ldb = s, g.c = y.get(), g.ldc = s;
    double ms = median_ms(ctx, [&] { gemm(ctx, g); });
    std::printf("anchor: bf16 GEMM 8192^3 %.1f TFLOP/s (DESIGN.md: %.0f)\n\n", 2.0 * s * s * s / ms / 1e9,
                kAnchorTflops);
  }
  // Each shape with cuBLASLt's first heuristic pick, then autotuned (gemm.h).
  std::printf("| GEMM (bf16, fp32 acc) | tokens | heuristic ms | TFLOP/s | of %.0f | autotuned ms | TFLOP/s | of %.0f |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
              kAnchorTflops, kAnchorTflops);
  auto measure = [&](const std::string& what, int64_t tokens, const GemmArgs& g) {
    std::printf("| %s | %lld |", what.c_str(), (long long)tokens);
    for (bool tuned : {false, true}) {
      set_gemm_autotune(ctx, tuned);
      double ms = median_ms(ctx, [&] { gemm(ctx, g); });
      double tflops = 2.0 * g.m * g.n * g.k / ms / 1e9;
      std::printf(" %.3f | %.1f | %.0f%% |", ms, tflops, 100 * tflops / kAnchorTflops);
    }
    std::printf("\n");
  };
  for (const Shape& sh : shapes)
    for (int64_t tokens = 4096; tokens <= max_tokens; tokens *= 2) {  // forward y = x W^T
      GemmArgs g;
      g.m = tokens, g.n = sh.n, g.k = sh.k, g.trans_b = true;
      g.a = x.get(), g.lda = sh.k, g.b = w.get(), g.ldb = sh.k, g.c = y.get(), g.ldc = sh.n;
      measure(std::string(sh.what) + " y = x W^T", tokens, g);
    }
  for (const Shape& sh : shapes)
    for (int64_t tokens = 16384; tokens <= max_tokens; tokens *= 2) {  // backward, dy in y (written above)
      GemmArgs dx;  // dX [tokens, k] = dY [tokens, n] W [n, k]
      dx.m = tokens, dx.n = sh.k, dx.k = sh.n;
      dx.a = y.get(), dx.lda = sh.n, dx.b = w.get(), dx.ldb = sh.k, dx.c = x.get(), dx.ldc = sh.k;
      measure(std::string(sh.what) + " dX = dY W", tokens, dx);
      GemmArgs dw;  // dW [n, k] = dY^T [n, tokens] X [tokens, k]
      dw.m = sh.n, dw.n = sh.k, dw.k = tokens, dw.trans_a = true;
      dw.a = y.get(), dw.lda = sh.n, dw.b = x.get(), dw.ldb = sh.k, dw.c = dw_out.get(), dw.ldc = sh.k;
      measure(std::string(sh.what) + " dW = dY^T X", tokens, dw);
    }
  set_gemm_autotune(ctx, false);
  std::printf("\n");
}

void bandwidth_table(DeviceContext& ctx) {
  const int64_t copy_bytes = int64_t(2) << 30;
  Block src(ctx.memory(), copy_bytes), dst(ctx.memory(), copy_bytes);
  ctx.fill_bytes(src.get(), 1, copy_bytes);
  double copy_gbs = 2.0 * copy_bytes / median_ms(ctx, [&] { ctx.copy_on_device(dst.get(), src.get(), copy_bytes); }) / 1e6;
  std::printf("device-to-device copy: %.0f GB/s (bytes read + written)\n\n", copy_gbs);
  std::printf("| kernel | size | bytes moved | ms | GB/s | of copy |\n| --- | --- | --- | --- | --- | --- |\n");
  auto row = [&](const char* what, const char* size, double bytes, const std::function<void()>& work) {
    double ms = median_ms(ctx, work);
    double gbs = bytes / ms / 1e6;
    std::printf("| %s | %s | %.0f MB | %.3f | %.0f | %.0f%% |\n", what, size, bytes / 1e6, ms, gbs, 100 * gbs / copy_gbs);
  };
  const DType bf = DType::bf16;

  {  // LayerNorm, 64K tokens x 768
    const int64_t rows = 65536, dim = 768, n = rows * dim;
    Block x = random_buffer(ctx, n, bf, 5), dy = random_buffer(ctx, n, bf, 6), y(ctx.memory(), 2 * n),
          g = random_buffer(ctx, dim, bf, 7), b = random_buffer(ctx, dim, bf, 8), mean(ctx.memory(), 4 * rows),
          rstd(ctx.memory(), 4 * rows), dg(ctx.memory(), 2 * dim), db(ctx.memory(), 2 * dim);
    LayerNormShape s{rows, dim, bf, bf, 1e-5f};
    row("LayerNorm forward (bf16)", "65536 x 768", 2.0 * 2 * n + 8.0 * rows, [&] {
      layernorm_forward(ctx, s, {x.get(), dim}, g.get(), b.get(), {y.get(), dim}, mean.as<float>(), rstd.as<float>());
    });
    row("residual add + LayerNorm forward", "65536 x 768", 4.0 * 2 * n + 8.0 * rows, [&] {
      add_layernorm_forward(ctx, s, {x.get(), dim}, {dy.get(), dim}, {y.get(), dim}, g.get(), b.get(), {y.get(), dim},
                            mean.as<float>(), rstd.as<float>());
    });
    row("LayerNorm backward (dx, dgamma, dbeta)", "65536 x 768", 3.0 * 2 * n + 8.0 * rows, [&] {
      layernorm_backward(ctx, s, {dy.get(), dim}, {x.get(), dim}, mean.as<float>(), rstd.as<float>(), g.get(),
                         {y.get(), dim}, {nullptr, 0}, dg.get(), db.get());
    });
  }
  {  // GELU on the FFN activation, 64K tokens x 3072
    const int64_t n = int64_t(65536) * 3072;
    Block x = random_buffer(ctx, n, bf, 9), dy = random_buffer(ctx, n, bf, 10), y(ctx.memory(), 2 * n);
    Extent e{1, 1, 65536, 3072};
    row("GELU forward (bf16)", "65536 x 3072", 2.0 * 2 * n, [&] {
      unary(ctx, UnaryOp::gelu, 0, e, {x.get(), bf, dense_strides(e)}, {y.get(), bf, dense_strides(e)});
    });
    row("GELU backward (bf16)", "65536 x 3072", 3.0 * 2 * n, [&] {
      binary(ctx, BinaryOp::gelu_backward, e, {x.get(), bf, dense_strides(e)}, {dy.get(), bf, dense_strides(e)},
             {y.get(), bf, dense_strides(e)});
    });
  }
  {  // Cross-entropy over the vocabulary, gradient written over a separate buffer
    const int64_t rows = 16384, vocab = 32000, n = rows * vocab;
    Block logits = random_buffer(ctx, n, bf, 11), grad(ctx.memory(), 2 * n), loss(ctx.memory(), 4 * rows);
    std::vector<int32_t> targets(rows);
    for (int64_t i = 0; i < rows; ++i) targets[i] = int32_t((i * 7919) % vocab);
    Block t(ctx.memory(), 4 * rows);
    ctx.copy_to_device(t.get(), targets.data(), 4 * rows);
    const CrossEntropyShape s{rows, vocab, bf, -100};
    row("cross-entropy loss + dlogits (bf16)", "16384 x 32000", 2.0 * 2 * n, [&] {
      cross_entropy(ctx, s, {logits.get(), vocab}, t.as<int32_t>(), loss.as<float>(), {grad.get(), vocab}, 1.f / rows);
    });
    // What training runs: the forward (loss and lse, read once), then the backward from the lse
    // with each row's incoming gradient.
    Block lse(ctx.memory(), 4 * rows), row_grad = random_buffer(ctx, rows, DType::f32, 14);
    row("cross-entropy forward: loss + lse (bf16)", "16384 x 32000", 2.0 * n, [&] {
      cross_entropy(ctx, s, {logits.get(), vocab}, t.as<int32_t>(), loss.as<float>(), {nullptr, 0}, 1.f,
                    lse.as<float>());
    });
    row("cross-entropy backward from lse, per-row gradient", "16384 x 32000", 2.0 * 2 * n, [&] {
      cross_entropy_backward(ctx, s, {logits.get(), vocab}, t.as<int32_t>(), lse.as<float>(), row_grad.as<float>(),
                             {grad.get(), vocab});
    });
  }
  {  // XPOS rotation of q in a dense 8K step: [8, 8192, 12, 64] bf16
    const int64_t batch = 8, seq = 8192, heads = 12, head_dim = 64, n = batch * seq * heads * head_dim;
    Block x = random_buffer(ctx, n, bf, 15), y(ctx.memory(), 2 * n);
    const RotaryShape s{batch, seq, heads, head_dim, bf};
    const RotaryStrides st{seq * heads * head_dim, heads * head_dim, head_dim};
    row("XPOS rotation (bf16)", "8 x 8192 x 12 x 64", 2.0 * 2 * n, [&] { rotary_forward(ctx, s, x.get(), st, y.get(), st); });
  }
  {  // Embedding backward of a 64K-token step into the 32000 x 768 table, Zipf-distributed ids
    const int64_t tokens = 65536, dim = 768, vocab = 32000;
    std::vector<double> cdf(vocab);
    double total = 0;
    for (int64_t v = 0; v < vocab; ++v) cdf[v] = total += 1.0 / double(v + 1);
    std::vector<int32_t> ids(tokens);
    uint64_t state = 0x2545F4914F6CDD1Dull;
    for (int32_t& id : ids) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      const double u = double(state >> 11) / double(1ull << 53) * total;
      id = int32_t(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    }
    Block dids(ctx.memory(), 4 * tokens), dout = random_buffer(ctx, tokens * dim, bf, 16), table(ctx.memory(), 2 * vocab * dim);
    ctx.copy_to_device(dids.get(), ids.data(), 4 * tokens);
    row("embedding backward (Zipf ids, bf16)", "65536 x 768 -> 32000", 2.0 * tokens * dim + 2.0 * vocab * dim, [&] {
      embedding_backward(ctx, tokens, dim, vocab, dids.as<int32_t>(), bf, {dout.get(), dim}, bf, {table.get(), dim});
    });
  }
  {  // AdamW over 128M parameters: bf16 grads and copy, fp32 master and moments
    const int64_t n = int64_t(128) << 20;
    Block grad = random_buffer(ctx, n, bf, 12), p = random_buffer(ctx, n, DType::f32, 13), m(ctx.memory(), 4 * n),
          v(ctx.memory(), 4 * n), copy(ctx.memory(), 2 * n);
    ctx.fill_bytes(m.get(), 0, 4 * n);
    ctx.fill_bytes(v.get(), 0, 4 * n);
    AdamWHyper h;
    row("AdamW step (fp32 state, bf16 grad and copy)", "128M params", 28.0 * n, [&] {
      adamw_step(ctx, h, n, bf, grad.get(), p.as<float>(), m.as<float>(), v.as<float>(), bf, copy.get());
    });
  }
  std::printf("\n");
}

}  // namespace

// `cuda_ops_bench` prints both tables; `cuda_ops_bench bandwidth` only the memory-bound kernels.
int main(int argc, char** argv) {
  try {
    const bool gemms = !(argc > 1 && std::string(argv[1]) == "bandwidth");
    DeviceContext& ctx = DeviceContext::get(0);
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("device: %s, %d SMs, compute capability %d.%d\n\n", prop.name, prop.multiProcessorCount, prop.major,
                prop.minor);
    if (gemms) gemm_table(ctx);
    bandwidth_table(ctx);
    MemoryStats s = ctx.memory().stats();
    std::printf("allocator: peak %.2f GiB in use, %.2f GiB reserved, %lld cudaMalloc calls for %lld requests\n",
                s.peak_in_use / double(1 << 30), s.peak_reserved / double(1 << 30), (long long)s.raw_allocations,
                (long long)s.requests);
    return 0;
  } catch (const std::exception& e) {
    return longnet::report(e);
  }
}
