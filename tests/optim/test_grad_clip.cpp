#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/philox.h"
#include "optim/grad_clip.h"

namespace longnet::optim {
namespace {

TEST(ClipGradNorm, NormCoversAllParametersTogether) {
  // sqrt(3^2 + 4^2 + 12^2) = 13.
  const std::vector<float> a{3.0f, 4.0f}, b{12.0f};
  float pa[2], pb[1];
  const std::vector<ParamRef> params{{"a", pa, a.data(), 2, true}, {"b", pb, b.data(), 1, false},
                                     {"unused", pb, nullptr, 1, false}};
  const GradClip big = clip_grad_norm(params, 6.5);
  EXPECT_DOUBLE_EQ(big.norm, 13.0);
  EXPECT_FLOAT_EQ(big.scale, float(6.5 / (13.0 + 1e-6)));

  const GradClip small = clip_grad_norm(params, 20.0);
  EXPECT_DOUBLE_EQ(small.norm, 13.0);
  EXPECT_EQ(small.scale, 1.0f);

  EXPECT_EQ(clip_grad_norm(params, 0.0).scale, 1.0f);  // clipping off
}

TEST(ClipGradNorm, NonFiniteNormIsReportedAndNotUsedAsScale) {
  const std::vector<float> g{1.0f, std::numeric_limits<float>::infinity()};
  float p[2];
  const std::vector<ParamRef> params{{"p", p, g.data(), 2, true}};
  const GradClip clip = clip_grad_norm(params, 1.0);
  EXPECT_TRUE(std::isinf(clip.norm));
  EXPECT_EQ(clip.scale, 1.0f);
}

TEST(GlobalGradNorm, IsBitIdenticalForAnyThreadCount) {
  std::vector<std::vector<float>> grads;
  for (int64_t size : {1000003, 70000, 5}) {
    std::vector<float> g(size);
    for (int64_t i = 0; i < size; ++i) g[i] = philox::normal_at(5, grads.size(), i);
    grads.push_back(std::move(g));
  }
  std::vector<ParamRef> params;
  double reference = 0.0;  // straightforward serial sum, compared loosely
  for (auto& g : grads) {
    std::string name = "p";
    name += std::to_string(params.size());
    params.push_back({name, g.data(), g.data(), int64_t(g.size()), true});
    for (float x : g) reference += double(x) * x;
  }
  const int threads_before = omp_get_max_threads();
  omp_set_num_threads(1);
  const double one = global_grad_norm(params);
  omp_set_num_threads(4);
  const double four = global_grad_norm(params);
  omp_set_num_threads(threads_before);
  EXPECT_EQ(one, four);
  EXPECT_NEAR(one, std::sqrt(reference), 1e-9 * std::sqrt(reference));
}

}  // namespace
}  // namespace longnet::optim
