// The ops kernel lab: checks every elementwise and LayerNorm-backward variant against an fp64
// CPU reference on odd sizes (outputs NaN-poisoned first; the LayerNorm backward run twice for
// identical bits), then times each at cuda_ops_bench's shapes against a device-to-device copy
// measured in the same run (CUDA events, warm-up, medians). Exits 1 when a check fails.
// Usage: ops_lab [reps]
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "ops/cuda/cuda_check.h"
#include "variants.h"

namespace longnet::cuda::lab {
namespace {

// Host values uniform in [lo, hi), rounded to bf16 (xorshift64: cheap at 200M values).
std::vector<bf16> random_bf16(int64_t n, uint64_t seed, float lo = -1.f, float hi = 1.f) {
  std::vector<bf16> v(n);
  uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (bf16& b : v) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    b = to_bf16(lo + (hi - lo) * float(s >> 40) / float(1 << 24));
  }
  return v;
}

std::vector<double> widen(const std::vector<bf16>& v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = to_float(v[i]);
  return out;
}

Block upload(DeviceContext& ctx, const void* data, size_t bytes) {
  Block b(ctx.memory(), bytes);
  ctx.copy_to_device(b.get(), data, bytes);
  return b;
}

Block upload(DeviceContext& ctx, const std::vector<bf16>& v) { return upload(ctx, v.data(), 2 * v.size()); }

std::vector<uint16_t> download_bits(DeviceContext& ctx, const Block& b, int64_t n) {
  std::vector<uint16_t> bits(n);
  ctx.copy_to_host(bits.data(), b.get(), 2 * n);
  return bits;
}

std::vector<double> as_values(const std::vector<uint16_t>& bits) {
  std::vector<double> v(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) v[i] = to_float(bf16{bits[i]});
  return v;
}

// Largest |got - want| / (rel |want| + abs max|want|); <= 1 passes, NaN counts as a failure.
double error_ratio(const std::vector<double>& got, const std::vector<double>& want, double rel, double abs) {
  double scale = 0, worst = 0;
  for (double w : want) scale = std::max(scale, std::abs(w));
  for (size_t i = 0; i < got.size(); ++i) {
    const double r = std::abs(got[i] - want[i]) / (rel * std::abs(want[i]) + abs * scale + 1e-30);
    worst = std::isnan(r) ? INFINITY : std::max(worst, r);
  }
  return worst;
}

// ---- elementwise ----

double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double gelu_derivative(double x) {
  return 0.5 * (1 + std::erf(x / std::sqrt(2.0))) + x * std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI);
}

struct ElementwiseCase {
  const char* what;     // gelu, gelu_backward, add (x + y), bias_add (x + row), row_add (row + x)
  int64_t rows, cols;
};

// bf16 out of rows x cols; the bias cases' row operand is one row of cols values.
bool check_elementwise(DeviceContext& ctx) {
  const ElementwiseCase cases[] = {
      {"gelu", 37, 264},          {"gelu", 13, 77},           {"gelu", 1999, 1544},
      {"gelu_backward", 37, 264}, {"gelu_backward", 13, 77},  {"gelu_backward", 1999, 1544},
      {"bias_add", 37, 264},      {"bias_add", 5, 1000},      {"bias_add", 1999, 1544},
      {"row_add", 37, 264},       {"row_add", 1999, 1544},    {"add", 37, 264},
  };
  std::printf("# elementwise vs fp64 (|err| <= 1e-2 |ref| + 1e-3 max|ref|; =01: same bits as 01)\n");
  std::printf("%-16s %-14s %-12s %10s %4s %s\n", "variant", "op", "size", "err/tol", "=01", "ok");
  bool all = true;
  for (const ElementwiseCase& c : cases) {
    const std::string op = c.what;
    const bool row_op = op == "bias_add" || op == "row_add";
    const int64_t n = c.rows * c.cols;
    const std::vector<bf16> x = random_bf16(n, 1, -3.f, 3.f), other = random_bf16(row_op ? c.cols : n, 2);
    const std::vector<double> xd = widen(x), od = widen(other);
    std::vector<double> want(n);
    for (int64_t i = 0; i < n; ++i) {
      const double o = od[row_op ? i % c.cols : i];
      want[i] = op == "gelu" ? gelu(xd[i]) : op == "gelu_backward" ? o * gelu_derivative(xd[i]) : xd[i] + o;
    }
    const Block dx = upload(ctx, x), dother = upload(ctx, other);
    Block out(ctx.memory(), 2 * n);
    const Extent e = matrix_extent(c.rows, c.cols);
    const InView full{dx.get(), DType::bf16, row_major(c.cols)};
    const InView second{dother.get(), DType::bf16, row_op ? one_per_column() : row_major(c.cols)};
    const OutView o{out.get(), DType::bf16, row_major(c.cols)};
    std::vector<uint16_t> library;
    for (const ElementwiseVariant& v : kElementwiseVariants) {
      ctx.fill_bytes(out.get(), 0xff, 2 * n);  // bf16 NaN
      if (op == "gelu")
        v.unary(ctx, UnaryOp::gelu, 0, e, full, o);
      else if (op == "gelu_backward")
        v.binary(ctx, BinaryOp::gelu_backward, e, full, second, o, 0);
      else if (op == "bias_add")
        v.binary(ctx, BinaryOp::add, e, full, second, o, 0);
      else
        v.binary(ctx, BinaryOp::add, e, second, full, o, 0);
      const std::vector<uint16_t> bits = download_bits(ctx, out, n);
      if (library.empty()) library = bits;
      const double err = error_ratio(as_values(bits), want, 1e-2, 1e-3);
      all &= err <= 1;
      const std::string size = std::to_string(c.rows) + "x" + std::to_string(c.cols);
      std::printf("%-16s %-14s %-12s %10.3f %4s %s\n", v.name, c.what, size.c_str(), err,
                  bits == library ? "yes" : "no", err <= 1 ? "yes" : "NO");
    }
  }
  return all;
}

// ---- LayerNorm backward ----

struct LayerNormCase {
  int64_t rows, dim;
  DType param;
  bool dx_add;
};

struct LayerNormInputs {
  std::vector<bf16> x, dy, add;
  std::vector<float> mean, rstd;
  std::vector<uint8_t> gamma;  // param type
  std::vector<double> gamma_d;
};

LayerNormInputs layernorm_inputs(const LayerNormCase& c, uint64_t seed) {
  LayerNormInputs in;
  in.x = random_bf16(c.rows * c.dim, seed, -1.7f, 2.3f);
  in.dy = random_bf16(c.rows * c.dim, seed + 1);
  in.add = random_bf16(c.rows * c.dim, seed + 2);
  const std::vector<bf16> g = random_bf16(c.dim, seed + 3, 0.5f, 1.5f);
  in.gamma_d = widen(g);
  in.gamma.resize(size_of(c.param) * c.dim);
  for (int64_t i = 0; i < c.dim; ++i) {
    if (c.param == DType::bf16)
      std::memcpy(&in.gamma[2 * i], &g[i], 2);
    else {
      const float f = float(in.gamma_d[i]);
      std::memcpy(&in.gamma[4 * i], &f, 4);
    }
  }
  for (int64_t r = 0; r < c.rows; ++r) {  // the forward's statistics, fp64 then stored as fp32
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < c.dim; ++i) sum += to_float(in.x[r * c.dim + i]);
    const double mean = sum / c.dim;
    for (int64_t i = 0; i < c.dim; ++i) sq += std::pow(to_float(in.x[r * c.dim + i]) - mean, 2);
    in.mean.push_back(float(mean));
    in.rstd.push_back(float(1 / std::sqrt(sq / c.dim + 1e-5)));
  }
  return in;
}

// dx = rstd (g dy - mean(g dy) - xhat mean(g dy xhat)) + add; dgamma = sum dy xhat; dbeta = sum dy.
void layernorm_reference(const LayerNormCase& c, const LayerNormInputs& in, std::vector<double>& dx,
                         std::vector<double>& dgamma, std::vector<double>& dbeta) {
  dx.assign(c.rows * c.dim, 0), dgamma.assign(c.dim, 0), dbeta.assign(c.dim, 0);
  std::vector<double> xhat(c.dim), gdy(c.dim);
  for (int64_t r = 0; r < c.rows; ++r) {
    double a = 0, b = 0;
    for (int64_t i = 0; i < c.dim; ++i) {
      const double dy = to_float(in.dy[r * c.dim + i]);
      xhat[i] = (to_float(in.x[r * c.dim + i]) - in.mean[r]) * double(in.rstd[r]);
      gdy[i] = in.gamma_d[i] * dy;
      a += gdy[i], b += gdy[i] * xhat[i];
      dgamma[i] += dy * xhat[i], dbeta[i] += dy;
    }
    a /= c.dim, b /= c.dim;
    for (int64_t i = 0; i < c.dim; ++i)
      dx[r * c.dim + i] = in.rstd[r] * (gdy[i] - a - xhat[i] * b) + (c.dx_add ? to_float(in.add[r * c.dim + i]) : 0);
  }
}

std::vector<double> download_values(DeviceContext& ctx, const Block& b, int64_t n, DType t, std::vector<uint8_t>& raw) {
  raw.resize(size_of(t) * n);
  ctx.copy_to_host(raw.data(), b.get(), raw.size());
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) {
    if (t == DType::bf16) {
      bf16 h;
      std::memcpy(&h, &raw[2 * i], 2);
      v[i] = to_float(h);
    } else {
      float f;
      std::memcpy(&f, &raw[4 * i], 4);
      v[i] = f;
    }
  }
  return v;
}

bool check_layernorm(DeviceContext& ctx) {
  const LayerNormCase cases[] = {{999, 768, DType::bf16, false},
                                 {1001, 520, DType::bf16, true},
                                 {77, 200, DType::bf16, false},
                                 {4099, 768, DType::bf16, true},
                                 {333, 256, DType::f32, false},
                                 {50, 100, DType::bf16, false}};  // dim not a multiple of 8: the library
  std::printf("\n# LayerNorm backward vs fp64 (dx: |err| <= 1e-2 |ref| + 2e-3 max|ref|; dgamma, dbeta: "
              "1e-2 |ref| + 1e-3 max|ref|; bits: two runs identical)\n");
  std::printf("%-16s %-22s %9s %9s %9s %5s %s\n", "variant", "case", "dx", "dgamma", "dbeta", "bits", "ok");
  bool all = true;
  for (const LayerNormCase& c : cases) {
    const LayerNormInputs in = layernorm_inputs(c, uint64_t(c.rows * 7 + c.dim));
    std::vector<double> want_dx, want_dg, want_db;
    layernorm_reference(c, in, want_dx, want_dg, want_db);
    const int64_t n = c.rows * c.dim;
    const Block x = upload(ctx, in.x), dy = upload(ctx, in.dy), add = upload(ctx, in.add),
                gamma = upload(ctx, in.gamma.data(), in.gamma.size()), mean = upload(ctx, in.mean.data(), 4 * c.rows),
                rstd = upload(ctx, in.rstd.data(), 4 * c.rows);
    Block dx(ctx.memory(), 2 * n), dg(ctx.memory(), in.gamma.size()), db(ctx.memory(), in.gamma.size());
    const LayerNormShape s{c.rows, c.dim, DType::bf16, c.param, 1e-5f};
    for (const LayerNormVariant& v : kLayerNormVariants) {
      std::vector<uint8_t> first[3], again[3];
      double err[3] = {0, 0, 0};
      for (int run = 0; run < 2; ++run) {
        for (const Block* b : {&dx, &dg, &db}) ctx.fill_bytes(b->get(), 0xff, b == &dx ? 2 * n : in.gamma.size());
        v.backward(ctx, s, {dy.get(), c.dim}, {x.get(), c.dim}, mean.as<float>(), rstd.as<float>(), gamma.get(),
                   {dx.get(), c.dim}, {c.dx_add ? add.get() : nullptr, c.dx_add ? c.dim : 0}, dg.get(), db.get());
        std::vector<uint8_t>* raw = run == 0 ? first : again;
        const std::vector<double> got_dx = download_values(ctx, dx, n, DType::bf16, raw[0]);
        const std::vector<double> got_dg = download_values(ctx, dg, c.dim, c.param, raw[1]);
        const std::vector<double> got_db = download_values(ctx, db, c.dim, c.param, raw[2]);
        if (run == 0) {
          err[0] = error_ratio(got_dx, want_dx, 1e-2, 2e-3);
          err[1] = error_ratio(got_dg, want_dg, 1e-2, 1e-3);
          err[2] = error_ratio(got_db, want_db, 1e-2, 1e-3);
        }
      }
      const bool same = first[0] == again[0] && first[1] == again[1] && first[2] == again[2];
      const bool ok = same && err[0] <= 1 && err[1] <= 1 && err[2] <= 1;
      all &= ok;
      const std::string what = std::to_string(c.rows) + "x" + std::to_string(c.dim) + " " + name(c.param) +
                               (c.dx_add ? " +add" : "");
      std::printf("%-16s %-22s %9.3f %9.3f %9.3f %5s %s\n", v.name, what.c_str(), err[0], err[1], err[2],
                  same ? "same" : "DIFF", ok ? "yes" : "NO");
    }
  }
  return all;
}

// ---- timing ----

double median_ms(DeviceContext& ctx, const std::function<void()>& work, int reps) {
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  for (int i = 0; i < 3; ++i) work();
  std::vector<float> ms(reps);
  for (float& t : ms) {
    check(cudaEventRecord(start, ctx.stream()), "cudaEventRecord");
    work();
    check(cudaEventRecord(stop, ctx.stream()), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    check(cudaEventElapsedTime(&t, start, stop), "cudaEventElapsedTime");
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void benchmark(DeviceContext& ctx, int reps) {
  const int64_t copy_bytes = int64_t(2) << 30;
  double copy_gbs = 0;
  {
    Block src(ctx.memory(), copy_bytes), dst(ctx.memory(), copy_bytes);
    ctx.fill_bytes(src.get(), 1, copy_bytes);
    copy_gbs = 2.0 * copy_bytes / median_ms(ctx, [&] { ctx.copy_on_device(dst.get(), src.get(), copy_bytes); }, reps) / 1e6;
  }
  std::printf("\n# timings: median of %d after 3 warm-up runs; device-to-device copy %.0f GB/s (read + written)\n",
              reps, copy_gbs);
  std::printf("%-16s %-36s %8s %8s %8s\n", "variant", "case", "ms", "GB/s", "of copy");
  const auto row = [&](const char* variant, const char* what, double bytes, const std::function<void()>& work) {
    const double ms = median_ms(ctx, work, reps), gbs = bytes / ms / 1e6;
    std::printf("%-16s %-36s %8.3f %8.0f %7.0f%%\n", variant, what, ms, gbs, 100 * gbs / copy_gbs);
  };
  const DType bf = DType::bf16;
  {  // the FFN activation of a 64K-token step
    const int64_t rows = 65536, cols = 3072, n = rows * cols;
    const Block x = upload(ctx, random_bf16(n, 9)), dy = upload(ctx, random_bf16(n, 10)),
                bias = upload(ctx, random_bf16(cols, 11));
    Block y(ctx.memory(), 2 * n);
    const Extent e = matrix_extent(rows, cols);
    const InView xv{x.get(), bf, row_major(cols)}, dyv{dy.get(), bf, row_major(cols)},
        bv{bias.get(), bf, one_per_column()};
    const OutView yv{y.get(), bf, row_major(cols)};
    for (const ElementwiseVariant& v : kElementwiseVariants) {
      row(v.name, "GELU forward 65536x3072", 2.0 * 2 * n, [&] { v.unary(ctx, UnaryOp::gelu, 0, e, xv, yv); });
      row(v.name, "GELU backward 65536x3072", 3.0 * 2 * n,
          [&] { v.binary(ctx, BinaryOp::gelu_backward, e, xv, dyv, yv, 0); });
      row(v.name, "bias add 65536x3072 + 3072", 2.0 * 2 * n + 2.0 * cols,
          [&] { v.binary(ctx, BinaryOp::add, e, xv, bv, yv, 0); });
      row(v.name, "residual add 65536x3072", 3.0 * 2 * n, [&] { v.binary(ctx, BinaryOp::add, e, xv, dyv, yv, 0); });
    }
  }
  {  // LayerNorm backward, 64K tokens x 768; mean and rstd from the library's forward
    const int64_t rows = 65536, dim = 768, n = rows * dim;
    const Block x = upload(ctx, random_bf16(n, 5)), dy = upload(ctx, random_bf16(n, 6)),
                g = upload(ctx, random_bf16(dim, 7, 0.5f, 1.5f)), b = upload(ctx, random_bf16(dim, 8));
    Block y(ctx.memory(), 2 * n), mean(ctx.memory(), 4 * rows), rstd(ctx.memory(), 4 * rows), dg(ctx.memory(), 2 * dim),
        db(ctx.memory(), 2 * dim);
    const LayerNormShape s{rows, dim, bf, bf, 1e-5f};
    layernorm_forward(ctx, s, {x.get(), dim}, g.get(), b.get(), {y.get(), dim}, mean.as<float>(), rstd.as<float>());
    for (const LayerNormVariant& v : kLayerNormVariants)
      row(v.name, "LayerNorm backward 65536x768", 3.0 * 2 * n + 8.0 * rows, [&] {
        v.backward(ctx, s, {dy.get(), dim}, {x.get(), dim}, mean.as<float>(), rstd.as<float>(), g.get(),
                   {y.get(), dim}, {nullptr, 0}, dg.get(), db.get());
      });
  }
}

}  // namespace
}  // namespace longnet::cuda::lab

int main(int argc, char** argv) {
  using namespace longnet::cuda;
  try {
    const int reps = argc > 1 ? std::atoi(argv[1]) : 15;
    DeviceContext& ctx = DeviceContext::get(0);
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("device: %s, %d SMs\n\n", prop.name, prop.multiProcessorCount);
    bool ok = lab::check_elementwise(ctx);
    ok &= lab::check_layernorm(ctx);
    lab::benchmark(ctx, reps);
    std::printf("\nchecks: %s\n", ok ? "all passed" : "FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    return longnet::report(e);
  }
}
