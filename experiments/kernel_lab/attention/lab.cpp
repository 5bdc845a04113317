// The attention kernel lab: checks every forward and backward variant against the f64 reference
// on random inputs, then times them (CUDA events, after warm-up, medians) and prints TFLOP/s
// under forward_flops() (backward counted as 2.5x forward).
// Usage: attention_lab [reps] [backward | forward | profile]
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

struct Case {
  const char* name;
  Spec spec;
  Problem p;
};

std::vector<Case> check_cases() {
  return {
      {"dense causal Dh64 N513", make(Kind::dense, {}), whole(2, 2, 64, 513)},
      {"dilated xpos Dh128 N1000", make(Kind::dilated, {{128, 1}, {512, 4}}, 512),
       whole(1, 4, 128, 1000)},
      {"sparse 128/16 Dh64 N600", sparse_spec(128, 16), whole(1, 4, 64, 600)},
      {"dilated r=1,2,6 xpos Dh64 N2000",
       make(Kind::dilated, {{256, 1}, {1024, 2}, {2000, 6}}, 512), whole(1, 6, 64, 2000)},
      {"dense non-causal Dh128 N300", [] {
         Spec s = make(Kind::dense, {});
         s.causal = false;
         return s;
       }(), whole(2, 2, 128, 300)},
  };
}

// Largest |got - want| over the three gradients, in units of the largest reference gradient,
// and whether every element is within 2e-2 of that plus 2e-2 relative (the GPU suite's bound).
std::pair<double, bool> gradient_error(const testing::GpuResult& got,
                                       const testing::Expected& want) {
  double scale = 1e-30;
  for (const auto* w : {&want.dq, &want.dk, &want.dv}) {
    for (double x : *w) scale = std::max(scale, std::abs(x));
  }
  double worst = 0;
  bool ok = true;
  for (auto [g, w] : {std::pair{&got.dq, &want.dq}, {&got.dk, &want.dk}, {&got.dv, &want.dv}}) {
    for (size_t i = 0; i < g->size(); ++i) {
      const double e = std::abs((*g)[i] - (*w)[i]);
      ok &= e <= 2e-2 * scale + 2e-2 * std::abs((*w)[i]);  // false for NaN
      worst = std::isnan(e) ? INFINITY : std::max(worst, e / scale);
    }
  }
  return {worst, ok};
}

bool check_backward_variants() {
  bool all = true;
  std::printf("# backward vs f64 reference (|err| <= 2e-2 max|grad| + 2e-2|ref|; bits: two "
              "runs identical)\n");
  std::printf("%-16s %-28s %14s %5s %s\n", "variant", "case", "max|err|/max", "bits", "ok");
  for (const Case& c : check_cases()) {
    const testing::Inputs in = testing::random_inputs(c.p, std::random_device{}());
    const testing::Expected want = testing::run_reference(c.spec, c.p, in, true);
    for (const BackwardVariant& v : kBackwardVariants) {
      const testing::GpuResult a = testing::run_gpu(c.spec, c.p, in, true, true,
                                                    attention_forward_cuda, v.backward);
      const testing::GpuResult b = testing::run_gpu(c.spec, c.p, in, true, true,
                                                    attention_forward_cuda, v.backward);
      const bool same = a.dq_bits == b.dq_bits && a.dk_bits == b.dk_bits && a.dv_bits == b.dv_bits;
      const auto [err, ok] = gradient_error(a, want);
      all &= ok && same;
      std::printf("%-16s %-28s %14.3e %5s %s\n", v.name, c.name, err, same ? "same" : "DIFF",
                  ok && same ? "yes" : "NO");
    }
  }
  return all;
}

bool check_variants() {
  const std::vector<Case> cases = check_cases();
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

// The timing cases; the first is issue 8's bar: cuDNN's dense causal backward on the dilated
// core's equivalent problem (a batch of causal attentions of length w/r = 2048, 32K tokens).
std::vector<Case> timing_cases() {
  const std::vector<Pattern> paper = {{2048, 1}, {4096, 2}, {8192, 4}, {16384, 8}, {32768, 16}};
  return {
      {"dense causal Dh64 N2K B16 H16", make(Kind::dense, {}), whole(16, 16, 64, 2048)},
      {"dense causal Dh128 N2K B16 H16", make(Kind::dense, {}), whole(16, 16, 128, 2048)},
      {"dense causal Dh64 N8K H16", make(Kind::dense, {}), whole(1, 16, 64, 8192)},
      {"dense causal Dh128 N8K H16", make(Kind::dense, {}), whole(1, 16, 128, 8192)},
      {"dense causal Dh64 N32K H16", make(Kind::dense, {}), whole(1, 16, 64, 32768)},
      {"dilated paper Dh64 N32K H16", make(Kind::dilated, paper), whole(1, 16, 64, 32768)},
      {"dilated paper xpos Dh64 N256K H12", make(Kind::dilated, paper, 512),
       whole(1, 12, 64, 262144)},
      {"sparse 2048/128 Dh64 N32K H16", sparse_spec(2048, 128), whole(1, 16, 64, 32768)},
  };
}

void profile_backward(int reps) {
  const Case c = timing_cases().front();
  const Problem& p = c.p;
  const testing::Inputs in = testing::random_inputs(p, 7);
  const size_t q_elems = p.batch * p.q_len * p.heads * p.head_dim;
  DeviceBuffer qkv(in.qkv.size() * 2), d_o(in.d_o.size() * 2), o(q_elems * 2),
      lse(p.batch * p.heads * p.q_len * 4), dq(q_elems * 2), dk(q_elems * 2), dv(q_elems * 2),
      ws(attention_backward_workspace_bytes(c.spec, p));
  qkv.upload(in.qkv.data(), in.qkv.size() * 2);
  d_o.upload(in.d_o.data(), in.d_o.size() * 2);
  const auto* base = qkv.as<const uint16_t>();
  const testing::Operand rows = testing::contiguous(p, p.q_len);
  const CudaLaunch launch{ws.as<void>(), ws.bytes(), nullptr};
  attention_forward_cuda(c.spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                         rows.view(o.as<uint16_t>()), lse.as<float>(), launch);
  for (int i = 0; i < reps; ++i) {
    attention_backward_cuda(c.spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                            rows.view(o.as<const uint16_t>()),
                            in.d_o_at.view(d_o.as<const uint16_t>()), lse.as<const float>(),
                            rows.view(dq.as<uint16_t>()), rows.view(dk.as<uint16_t>()),
                            rows.view(dv.as<uint16_t>()), true, launch);
  }
  testing::check_cuda_call(cudaDeviceSynchronize(), "profile");
}

void benchmark(int reps, bool forward, bool backward) {
  const std::vector<Case> cases = timing_cases();
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
      if (!forward) break;
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
    if (!backward) continue;
    DeviceBuffer ws(attention_backward_workspace_bytes(c.spec, p));
    const CudaLaunch launch{ws.as<void>(), ws.bytes(), nullptr};
    // The library's forward fills O and lse for the backward.
    attention_forward_cuda(c.spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
                           rows.view(o.as<uint16_t>()), lse.as<float>(), launch);
    const auto time_backward = [&](const char* name, testing::BackwardFn fn, bool deterministic) {
      const double ms = median_ms(
          [&] {
            fn(c.spec, p, in.q.view(base), in.k.view(base), in.v.view(base),
               rows.view(o.as<const uint16_t>()), in.d_o_at.view(d_o.as<const uint16_t>()),
               lse.as<const float>(), rows.view(dq.as<uint16_t>()), rows.view(dk.as<uint16_t>()),
               rows.view(dv.as<uint16_t>()), deterministic, launch);
          },
          reps);
      std::printf("%-16s %-36s %10.3f %10.1f\n", name, c.name, ms, 2.5 * flops / ms / 1e9);
    };
    for (const BackwardVariant& v : kBackwardVariants) time_backward(v.name, v.backward, true);
    // Any order allowed: cuDNN where it computes the call (dense, no XPOS), else ours.
    time_backward("lib bwd any", attention_backward_cuda, false);
  }
}

// The dilated attention layer's core at the project's lengths (E 768 = 12 heads x 64, the
// paper's w = 2048..32768 with r = 1, 2, 4, 6, 12, XPOS on), forward only, inputs drawn on the
// device. Only the flash_w and wgmma variants run: the others take seconds per call here.
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
      if (id.find("flash_w") == std::string::npos && id.find("wgmma") == std::string::npos) {
        continue;
      }
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

// attention_lab [reps] [backward | forward | profile]: "backward" checks and times only the
// backward variants; "forward" runs the wgmma self-check, then checks and times only the forward
// variants; "profile" only runs the library's backward `reps` times on the bar's case, for a
// profiler (no checks, no output).
int main(int argc, char** argv) {
  using namespace longnet::attention::lab;
  const int reps = argc > 1 ? std::atoi(argv[1]) : 10;
  const std::string mode = argc > 2 ? argv[2] : "";
  if (mode == "profile") {
    profile_backward(reps);
    return 0;
  }
  const bool forward = mode != "backward", backward = mode != "forward";
  bool ok = true;
  if (forward) ok &= wgmma_self_check();
  if (backward) ok &= check_backward_variants();
  if (forward) ok &= check_variants();
  benchmark(reps, forward, backward);
  if (forward) benchmark_layer(reps);
  return ok ? 0 : 1;
}
