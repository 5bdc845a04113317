#pragma once
// Private to the CUDA backend: cuBLASLt descriptors and the chosen algorithm per GEMM shape.
#include <cublasLt.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace longnet::cuda {

struct GemmPlan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  ~GemmPlan();
};

class GemmPlans {
 public:
  using Key = std::array<int64_t, 21>;
  std::mutex mutex;
  bool autotune = false;  // set_gemm_autotune (gemm.h)
  std::map<Key, std::unique_ptr<GemmPlan>> plans;
};

}  // namespace longnet::cuda
