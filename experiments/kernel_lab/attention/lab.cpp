// The attention kernel lab: checks every forward variant against the f64 reference on random
// inputs, then times them (CUDA events, after warm-up, medians) and prints TFLOP/s under
// forward_flops() (backward counted as 2.5x forward). Usage: attention_lab [reps]
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gpu_attention_run.h"
#include "reference_run.h"
#include "variants.h"

namespace longnet::attention::lab {
namespace {

using testing::DeviceBuffer;

Spec make(Kind kind, std::vector<Pattern> patterns, double xpos = 0) {
  Spec s;
  s.kind = kind;
  s.patterns = std::move(patterns);
  s.xpos_scale_base = xpos;
  return s;
}

Spec sparse_spec(int64_t block, int64_t summary) {
  Spec s = make(Kind::sparse, {});
  s.sparse_block = block;
  s.sparse_summary = summary;
  return s;
}

Problem whole(int64_t batch, int64_t heads, int64_t dim, int64_t n) {
  return {.batch = batch, .heads = heads, .head_dim = dim, .seq_len = n, .q_len = n, .kv_len = n};
}

double max_error(const std::vector<float>& got, const std::vector<double>& want) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isinf(want[i]) && got[i] == want[i]) continue;
    const double e = std::abs(got[i] - want[i]);
    worst = std::isnan(e) ? INFINITY : std::max(worst, e);
  }
  return worst;
}

// Median milliseconds of `reps` runs of fn after two warm-up runs.
double median_ms(const std::function<void()>& fn, int reps) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  for (int i = 0; i < 2; ++i) fn();
  std::vector<float> ms(reps);
  for (float& t : ms) {
    cudaEventRecord(start);
    fn();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    cudaEventElapsedTime(&t, start, stop);
  }
  testing::check_cuda_call(cudaGetLastError(), "benchmark");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

bool check_variants() {
  struct Case {
    const char* name;
    Spec spec;
    Problem p;
  };
  const std::vector<Case> cases = {
      {"dense causal Dh64 N513", make(Kind::dense, {}), whole(2, 2, 64, 513)},
      {"dilated xpos Dh128 N1000", make(Kind::dilated, {{128, 1}, {512, 4}}, 512),
       whole(1, 4, 128, 1000)},
      {"sparse 128/16 Dh64 N600", sparse_spec(128, 16), whole(1, 4, 64, 600)},
      {"dilated r=1,2,6 xpos Dh64 N2000",
       make(Kind::dilated, {{256, 1}, {1024, 2}, {2000, 6}}, 512), whole(1, 6, 64, 2000)},
  };
  bool all = true;
  std::printf("# correctness vs f64 reference (O: |err| <= 1e-2 + 1e-2|ref|, lse: 1e-2)\n");
  std::printf("%-16s %-28s %12s %12s %s\n", "variant", "case", "max|dO|", "max|dlse|", "ok");
  for (const Case& c : cases) {
    const testing::Inputs in = testing::random_inputs(c.p, std::random_device{}());
    const testing::Expected want = testing::run_reference(c.spec, c.p, in, false);
    for (const Variant& v : kVariants) {
      const testing::GpuResult got = testing::run_gpu(c.spec, c.p, in, false, false, v.forward);
      bool ok = true;
      for (size_t i = 0; i < got.o.size(); ++i) {
        ok &= std::abs(got.o[i] - want.o[i]) <= 1e-2 + 1e-2 * std::abs(want.o[i]);
      }
      const double e_o = max_error(got.o, want.o), e_lse = max_error(got.lse, want.lse);
      ok &= e_lse <= 1e-2;
      all &= ok;
      std::printf("%-16s %-28s %12.3e %12.3e %s\n", v.name, c.name, e_o, e_lse, ok ? "yes" : "NO");
    }
  }
  return all;
}

void benchmark(int reps) {
  struct Case {
    const char* name;
    Spec spec;
    Problem p;
  };
  const std::vector<Pattern> paper = {{2048, 1}, {4096, 2}, {8192, 4}, {16384, 8}, {32768, 16}};
  const std::vector<Case> cases = {
      {"dense causal Dh64 N8K H16", make(Kind::dense, {}), whole(1, 16, 64, 8192)},
      {"dense causal Dh128 N8K H16", make(Kind::dense, {}), whole(1, 16, 128, 8192)},
      {"dense causal Dh64 N32K H16", make(Kind::dense, {}), whole(1, 16, 64, 32768)},
      {"dilated paper Dh64 N32K H16", make(Kind::dilated, paper), whole(1, 16, 64, 32768)},
      {"dilated paper xpos Dh64 N256K H12", make(Kind::dilated, paper, 512),
       whole(1, 12, 64, 262144)},
      {"sparse 2048/128 Dh64 N32K H16", sparse_spec(2048, 128), whole(1, 16, 64, 32768)},
  };
  std::printf("\n# timings: median of %d after 2 warm-up runs; TFLOP/s by forward_flops()\n", reps);
  std::printf("%-16s %-36s %10s %10s\n", "variant", "case", "ms", "TFLOP/s");
  for (const Case& c : cases) {
    const Problem& p = c.p;
    const testing::Inputs in = testing::random_inputs(p, 7);
    const size_t q_elems = p.batch * p.q_len * p.heads * p.head_dim;
    DeviceBuffer qkv(in.qkv.size() * 2), d_o(in.d_o.size() * 2), o(q_elems * 2),
        lse(p.batch * p.heads * p.q_len * 4), dq(q_elems * 2), dk(q_elems * 2), dv(q_elems * 2);
    qkv.upload(in.qkv.data(), in.qkv.size() * 2);
    d_o.upload(in.d_o.data(), in.d_o.size() * 2);
    const auto* base = qkv.as<const uint16_t>();
    const testing::Operand rows = testing::contiguous(p, p.q_len);
    const double flops = forward_flops(c.spec, p);
    for (const Variant& v : kVariants) {
      const bool slow = std::string(v.name) == "01_naive";
      if (slow && flops > 2e12) continue;  // the naive variant would take minutes
      DeviceBuffer ws(attention_forward_workspace_bytes(c.spec, p));
      const CudaLaunch launch{ws.as<void>(), ws.bytes(), nullptr};
      const double ms = median_ms(
          [&] {
            v.forward(c.spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                      rows.view(o.as<uint16_t>()), lse.as<float>(), launch);
          },
          slow ? 3 : reps);
      std::printf("%-16s %-36s %10.3f %10.1f\n", v.name, c.name, ms, flops / ms / 1e9);
    }
    DeviceBuffer ws(attention_backward_workspace_bytes(c.spec, p));
    const CudaLaunch launch{ws.as<void>(), ws.bytes(), nullptr};
    for (bool deterministic : {false, true}) {
      const double ms = median_ms(
          [&] {
            attention_backward_cuda(c.spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                                    rows.view(o.as<const uint16_t>()),
                                    in.d_o_at.view(d_o.as<const uint16_t>()),
                                    lse.as<const float>(), rows.view(dq.as<uint16_t>()),
                                    rows.view(dk.as<uint16_t>()), rows.view(dv.as<uint16_t>()),
                                    deterministic, launch);
          },
          reps);
      std::printf("%-16s %-36s %10.3f %10.1f\n",
                  deterministic ? "lib bwd determ." : "lib bwd atomic", c.name, ms,
                  2.5 * flops / ms / 1e9);
    }
  }
}

// The dilated attention layer's core at the project's lengths (E 768 = 12 heads x 64, the
// paper's w = 2048..32768 with r = 1, 2, 4, 6, 12, XPOS on), forward only, inputs drawn on the
// device. Only the flash_w variants run: the others take seconds per call here.
void benchmark_layer(int reps) {
  const Spec spec = make(Kind::dilated,
                         {{2048, 1}, {4096, 2}, {8192, 4}, {16384, 6}, {32768, 12}}, 512);
  std::printf("\n# layer core (dilated r=1,2,4,6,12 xpos Dh64 H12), forward; median of %d\n",
              reps);
  std::printf("%-16s %-36s %10s %10s\n", "variant", "case", "ms", "TFLOP/s");
  for (int64_t n : {int64_t{1} << 19, int64_t{1} << 21, int64_t{1} << 22, int64_t{1} << 23}) {
    const Problem p = whole(1, 12, 64, n);
    const size_t elems = static_cast<size_t>(n * p.heads * p.head_dim);
    DeviceBuffer qkv(3 * elems * 2), o(elems * 2), lse(p.heads * n * 4),
        ws(attention_forward_workspace_bytes(spec, p));
    fill_random_bf16(qkv.as<uint16_t>(), 3 * elems, 11);
    const testing::Operand rows = testing::contiguous(p, n);
    const auto* base = qkv.as<const uint16_t>();
    const Bnhd<const uint16_t> q = rows.view(base), k = rows.view(base + elems),
                               v = rows.view(base + 2 * elems);
    const CudaLaunch launch{ws.as<void>(), ws.bytes(), nullptr};
    const std::string name = "layer N" + std::to_string(n >> 10) + "K";
    for (const Variant& var : kVariants) {
      const std::string id = var.name;
      if (id.find("flash_w") == std::string::npos) continue;
      const double ms = median_ms(
          [&] { var.forward(spec, p, q, k, v, rows.view(o.as<uint16_t>()), lse.as<float>(), launch); },
          reps);
      std::printf("%-16s %-36s %10.3f %10.1f\n", var.name, name.c_str(), ms,
                  forward_flops(spec, p) / ms / 1e9);
    }
  }
}

}  // namespace
}  // namespace longnet::attention::lab

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 10;
  const bool ok = longnet::attention::lab::check_variants();
  longnet::attention::lab::benchmark(reps);
  longnet::attention::lab::benchmark_layer(reps);
  return ok ? 0 : 1;
}
