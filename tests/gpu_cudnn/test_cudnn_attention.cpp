// cuDNN's fused attention against the f64 reference on the same bf16-rounded inputs: forward
// (O, lse) and backward (dQ, dK, dV), causal and not, at odd lengths, contiguous and as slices of
// one fused QKV buffer. Outputs start as NaN, so an element cuDNN does not write fails.
//
// Tolerances (bf16 storage, fp32 accumulation): O within 1e-2 + 1e-2 relative (rounding O to bf16
// alone is 4e-3 relative); lse within 1e-2; gradients within 2e-2 of the largest gradient + 2e-2
// relative (bf16 rounding of O and dS adds up over many keys; dQ, dK may cancel to noise).
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "attention/cudnn/cudnn_attention.h"
#include "attention/reference.h"
#include "attention/tensors.h"
#include "common/error.h"

namespace longnet::attention {
namespace {

using Host = testing::Tensor<double>;

void cuda_ok(cudaError_t status) { ASSERT_EQ(status, cudaSuccess) << cudaGetErrorString(status); }

double to_bf16(double x) { return __bfloat162float(__double2bfloat16(x)); }

void round_to_bf16(Host& t) {
  t.for_each([](double& x) { x = to_bf16(x); });
}

// A device copy (bf16) of a host tensor's whole storage, pointing at the tensor's view in it.
struct DeviceTensor {
  std::shared_ptr<__nv_bfloat16> storage;
  __nv_bfloat16* data;
  BnhdStrides strides;
};

DeviceTensor device_like(const Host& t, const std::vector<double>* values) {
  const size_t n = t.storage->size();
  __nv_bfloat16* raw = nullptr;
  cuda_ok(cudaMalloc(&raw, n * sizeof(__nv_bfloat16)));
  std::shared_ptr<__nv_bfloat16> storage(raw, [](__nv_bfloat16* p) { cudaFree(p); });
  if (values) {
    std::vector<__nv_bfloat16> bits(n);
    for (size_t i = 0; i < n; ++i) bits[i] = __double2bfloat16((*values)[i]);
    cuda_ok(cudaMemcpy(raw, bits.data(), n * sizeof(__nv_bfloat16), cudaMemcpyHostToDevice));
  } else {
    cuda_ok(cudaMemset(raw, 0xff, n * sizeof(__nv_bfloat16)));  // bf16 NaN
  }
  return {storage, raw + (t.view.data - t.storage->data()),
          {t.view.stride_b, t.view.stride_n, t.view.stride_h}};
}

DeviceTensor upload(const Host& t) { return device_like(t, t.storage.get()); }
DeviceTensor poisoned_like(const Host& t) { return device_like(t, nullptr); }

// The view of `d` as a contiguous host tensor of `like`'s shape.
Host download(const DeviceTensor& d, const Host& like) {
  const size_t n = like.storage->size();
  std::vector<__nv_bfloat16> bits(n);
  cuda_ok(cudaMemcpy(bits.data(), d.storage.get(), n * sizeof(__nv_bfloat16), cudaMemcpyDeviceToHost));
  const auto offset = d.data - d.storage.get();
  Host out = testing::zeros<double>(like.batch, like.len, like.heads, like.dim);
  for (int64_t b = 0; b < like.batch; ++b)
    for (int64_t i = 0; i < like.len; ++i)
      for (int64_t h = 0; h < like.heads; ++h)
        for (int64_t x = 0; x < like.dim; ++x)
          out.at(b, i, h, x) = __bfloat162float(
              bits[offset + b * d.strides.batch + i * d.strides.position + h * d.strides.head + x]);
  return out;
}

std::vector<double> flat(const Host& t) {
  std::vector<double> v;
  t.for_each([&](double& x) { v.push_back(x); });
  return v;
}

double max_abs(const std::vector<double>& x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::abs(v));
  return m;
}

void expect_close(const std::string& what, const std::vector<double>& got,
                  const std::vector<double>& want, double atol, double rtol) {
  ASSERT_EQ(got.size(), want.size()) << what;
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const bool ok = std::isfinite(got[i]) && std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i]);
    if (!ok && bad++ == 0) first = i;
  }
  EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << got.size() << " off; first at " << first
                     << ": got " << got[first] << ", want " << want[first];
}

struct Case {
  int64_t len, head_dim;
  bool causal, fused;
};

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return "N" + std::to_string(c.len) + "_Dh" + std::to_string(c.head_dim) +
         (c.causal ? "_causal" : "_full") + (c.fused ? "_fusedQKV" : "");
}

class CudnnAttention : public ::testing::TestWithParam<Case> {};

TEST(CudnnAttentionAvailability, IsAvailableOnThisGpu) { EXPECT_TRUE(cudnn_sdpa_available()); }

// Runs even where the availability check fails, so that cuDNN's own refusal is reported.
TEST_P(CudnnAttention, MatchesTheF64Reference) {
  const Case c = GetParam();
  const Problem problem{.batch = 2, .heads = 3, .head_dim = c.head_dim, .seq_len = c.len,
                        .q_len = c.len, .kv_len = c.len};
  Spec spec;
  spec.kind = Kind::dense;
  spec.causal = c.causal;

  std::mt19937_64 rng(c.len * 1000 + c.head_dim + c.causal);
  auto qkv = testing::random_qkv<double>(problem, rng, c.fused);
  for (Host* t : {&qkv.q, &qkv.k, &qkv.v}) round_to_bf16(*t);
  Host d_o = testing::zeros<double>(2, c.len, 3, c.head_dim);
  testing::fill_normal(d_o, rng);
  round_to_bf16(d_o);

  Host o_ref = testing::zeros<double>(2, c.len, 3, c.head_dim);
  std::vector<double> lse_ref(2 * 3 * c.len);
  reference::forward(spec, problem, qkv.q.view, qkv.k.view, qkv.v.view, o_ref.view, lse_ref.data());
  Host dq_ref = testing::zeros<double>(2, c.len, 3, c.head_dim);
  Host dk_ref = testing::zeros<double>(2, c.len, 3, c.head_dim);
  Host dv_ref = testing::zeros<double>(2, c.len, 3, c.head_dim);
  reference::backward(spec, problem, qkv.q.view, qkv.k.view, qkv.v.view, d_o.view, dq_ref.view,
                      dk_ref.view, dv_ref.view);

  const DeviceTensor q = upload(qkv.q), k = upload(qkv.k), v = upload(qkv.v), dev_d_o = upload(d_o);
  const DeviceTensor o = poisoned_like(o_ref);
  const DeviceTensor dq = poisoned_like(qkv.q), dk = poisoned_like(qkv.k), dv = poisoned_like(qkv.v);
  float* lse = nullptr;
  cuda_ok(cudaMalloc(&lse, lse_ref.size() * sizeof(float)));
  std::unique_ptr<float, decltype(&cudaFree)> lse_owner(lse, cudaFree);
  cuda_ok(cudaMemset(lse, 0xff, lse_ref.size() * sizeof(float)));

  const CudnnSdpaProblem p{2, 3, c.len, c.len, c.head_dim, c.causal, q.strides, k.strides, v.strides, o.strides};
  cudnn_attention_forward(p, q.data, k.data, v.data, o.data, lse, nullptr);
  cudnn_attention_backward(p, q.data, k.data, v.data, o.data, dev_d_o.data, lse, dq.data, dk.data,
                           dv.data, nullptr);
  cuda_ok(cudaDeviceSynchronize());

  std::vector<float> lse_got(lse_ref.size());
  cuda_ok(cudaMemcpy(lse_got.data(), lse, lse_got.size() * sizeof(float), cudaMemcpyDeviceToHost));
  expect_close("O", flat(download(o, o_ref)), flat(o_ref), 1e-2, 1e-2);
  expect_close("lse", {lse_got.begin(), lse_got.end()}, lse_ref, 1e-2, 0);

  const auto want_dq = flat(dq_ref), want_dk = flat(dk_ref), want_dv = flat(dv_ref);
  const double scale = std::max({max_abs(want_dq), max_abs(want_dk), max_abs(want_dv)});
  expect_close("dQ", flat(download(dq, qkv.q)), want_dq, 2e-2 * scale, 2e-2);
  expect_close("dK", flat(download(dk, qkv.k)), want_dk, 2e-2 * scale, 2e-2);
  expect_close("dV", flat(download(dv, qkv.v)), want_dv, 2e-2 * scale, 2e-2);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CudnnAttention,
    ::testing::Values(Case{77, 64, true, false}, Case{77, 64, false, false}, Case{77, 128, true, false},
                      Case{300, 64, true, true}, Case{300, 64, false, false}, Case{300, 128, true, false},
                      Case{300, 128, false, true}, Case{256, 64, true, false}),
    name_of);

TEST(CudnnAttentionErrors, HeadDimNotAMultipleOf8IsRefused) {
  const auto p = CudnnSdpaProblem::contiguous(1, 1, 16, 16, 60, true);
  EXPECT_THROW(cudnn_attention_forward(p, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
               RuntimeError);
}

}  // namespace
}  // namespace longnet::attention
