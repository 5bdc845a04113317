// Tensor: shape, strides and offset over shared storage; typed access; devices.
#include <gtest/gtest.h>

#include "common/build_info.h"
#include "tensor/tensor.h"

namespace longnet {
namespace {

TEST(Tensor, EmptyIsContiguousRowMajor) {
  const Tensor t = Tensor::empty({2, 3, 4}, DType::f64);
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.storage()->bytes(), 24u * 8);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_THROW(t.size(3), RuntimeError);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
}

TEST(Tensor, DtypeSizesAndNames) {
  EXPECT_EQ(dtype_size(DType::f32), 4u);
  EXPECT_EQ(dtype_size(DType::f64), 8u);
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
  EXPECT_EQ(dtype_size(DType::i32), 4u);
  EXPECT_EQ(dtype_size(DType::i64), 8u);
  EXPECT_EQ(dtype_size(DType::u16), 2u);
  EXPECT_EQ(dtype_name(DType::bf16), "bf16");
}

TEST(Tensor, StridedViewsShareStorage) {
  const Tensor t = Tensor::from_vector<int32_t>({0, 1, 2, 3, 4, 5}, {2, 3});
  const Tensor transposed = t.as_strided({3, 2}, {1, 3}, 0);
  EXPECT_EQ(transposed.storage(), t.storage());
  EXPECT_FALSE(transposed.is_contiguous());
  EXPECT_EQ(transposed.to_vector<int32_t>(), (std::vector<int32_t>{0, 3, 1, 4, 2, 5}));
  const Tensor column = t.as_strided({2}, {3}, 2);
  EXPECT_EQ(column.to_vector<int32_t>(), (std::vector<int32_t>{2, 5}));
  EXPECT_THROW(column.item<int32_t>(), RuntimeError);
  EXPECT_EQ(t.as_strided({}, {}, 4).item<int32_t>(), 4);
}

TEST(Tensor, ViewsOutsideTheStorageAreErrors) {
  const Tensor t = Tensor::empty({2, 3}, DType::f32);
  EXPECT_THROW(t.as_strided({2, 3}, {3, 1}, 1), RuntimeError);
  EXPECT_THROW(t.as_strided({4}, {2}, 0), RuntimeError);
  EXPECT_NO_THROW(t.as_strided({3}, {2}, 0));
}

TEST(Tensor, TypedAccessChecksTheDtype) {
  const Tensor t = Tensor::empty({2}, DType::f32);
  EXPECT_THROW(t.data<double>(), RuntimeError);
  EXPECT_THROW(Tensor::from_vector<float>({1, 2, 3}, {2}), RuntimeError);
  EXPECT_THROW(Tensor().shape(), RuntimeError);
}

TEST(Tensor, DetachSharesDataButNotAutogradState) {
  Tensor t = Tensor::from_vector<float>({1, 2}, {2});
  t.set_requires_grad(true);
  const Tensor d = t.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.storage(), t.storage());
  EXPECT_FALSE(d.is_same(t));
  EXPECT_THROW(Tensor::empty({2}, DType::i64).set_requires_grad(true), RuntimeError);
}

TEST(Tensor, DevicesAndTheirAllocators) {
  EXPECT_EQ(to_string(Device::cpu()), "cpu");
  EXPECT_EQ(to_string(Device::cuda(1)), "cuda:1");
  if (build_info().cuda_built) GTEST_SKIP() << "this build has CUDA";
  try {
    Tensor::empty({4}, DType::f32, Device::cuda(0));
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("built without CUDA"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace longnet
