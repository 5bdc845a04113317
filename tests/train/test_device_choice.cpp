// Where training and evaluation run (train/device_choice.h) and what running out of GPU memory
// says (train/out_of_memory.h): pure functions, tested without a GPU.
#include <gtest/gtest.h>

#include "common/error.h"
#include "train/device_choice.h"
#include "train/out_of_memory.h"

namespace longnet::train {
namespace {

using config::Device::automatic;
using config::Device::cpu;
using config::Device::cuda;
using P = config::Precision;

const GpuAvailability kGpu{.cuda_built = true, .visible_gpus = 1};
const GpuAvailability kNoGpu{.cuda_built = true, .visible_gpus = 0};
const GpuAvailability kCpuBuild{.cuda_built = false, .visible_gpus = 2};
const ComputeKeys kKeys{"train.device", "train.precision"};

std::string config_error(config::Device d, P p, const GpuAvailability& gpus) {
  try {
    resolve_compute(d, p, gpus, kKeys);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(DeviceChoice, AutoTakesTheGpuInBf16WhenOneIsBuiltAndVisible) {
  const ComputeChoice c = resolve_compute(automatic, P::automatic, kGpu, kKeys);
  EXPECT_EQ(c.device, Device::cuda(0));
  EXPECT_EQ(c.dtype, DType::bf16);
}

TEST(DeviceChoice, OnTheGpuHeadsMustBe64Or128Wide) {
  const ComputeChoice gpu{Device::cuda(0), DType::bf16}, host{Device::cpu(), DType::f32};
  config::ModelConfig model;  // 768 wide, 12 heads of 64
  EXPECT_NO_THROW(check_model_runs_on(gpu, model));
  model.heads = 6;  // heads of 128
  EXPECT_NO_THROW(check_model_runs_on(gpu, model));
  model.dim = 128, model.heads = 4;  // heads of 32
  EXPECT_NO_THROW(check_model_runs_on(host, model));
  try {
    check_model_runs_on(gpu, model);
    ADD_FAILURE() << "heads of 32 accepted on the GPU";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model.heads = 4"), std::string::npos) << e.what();
  }
}

TEST(DeviceChoice, AutoFallsBackToTheCpuInF32) {
  for (const GpuAvailability& gpus : {kNoGpu, kCpuBuild}) {
    const ComputeChoice c = resolve_compute(automatic, P::automatic, gpus, kKeys);
    EXPECT_EQ(c.device, Device::cpu());
    EXPECT_EQ(c.dtype, DType::f32);
  }
}

TEST(DeviceChoice, ExplicitChoicesAreKept) {
  EXPECT_EQ(resolve_compute(cpu, P::automatic, kGpu, kKeys).device, Device::cpu());
  EXPECT_EQ(resolve_compute(cpu, P::automatic, kGpu, kKeys).dtype, DType::f32);
  EXPECT_EQ(resolve_compute(cuda, P::f32, kGpu, kKeys).dtype, DType::f32);
  EXPECT_EQ(resolve_compute(cuda, P::bf16, kGpu, kKeys).device, Device::cuda(0));
  EXPECT_EQ(resolve_compute(automatic, P::f32, kGpu, kKeys).device, Device::cuda(0));
}

TEST(DeviceChoice, CudaWithoutAGpuIsAConfigErrorSayingWhy) {
  const std::string no_gpu = config_error(cuda, P::automatic, kNoGpu);
  EXPECT_NE(no_gpu.find("train.device = \"cuda\""), std::string::npos) << no_gpu;
  EXPECT_NE(no_gpu.find("no GPU is visible"), std::string::npos) << no_gpu;
  const std::string no_build = config_error(cuda, P::automatic, kCpuBuild);
  EXPECT_NE(no_build.find("built without CUDA"), std::string::npos) << no_build;
}

TEST(DeviceChoice, Bf16OnTheCpuIsAConfigErrorNamingThePrecisionKey) {
  for (config::Device d : {cpu, automatic}) {
    const std::string e = config_error(d, P::bf16, kNoGpu);
    EXPECT_NE(e.find("train.precision = \"bf16\""), std::string::npos) << e;
  }
}

TEST(OutOfMemory, TheMessageNamesTheSizesAndAHalvedMicroBatch) {
  const std::string m = out_of_memory_advice("out of memory on cuda:0: asked for 2 GiB", 8, 8192);
  EXPECT_NE(m.find("train.micro_batch = 8"), std::string::npos) << m;
  EXPECT_NE(m.find("train.seq_len = 8192"), std::string::npos) << m;
  EXPECT_NE(m.find("--set train.micro_batch=4"), std::string::npos) << m;
  EXPECT_NE(m.find("asked for 2 GiB"), std::string::npos) << m;  // the cause is kept
}

TEST(OutOfMemory, TheSuggestedMicroBatchDividesTheCurrentOne) {
  // 6 -> 3 (6 / 2), 9 -> 3 (9 / 2 = 4 does not divide 9), 7 -> 1.
  EXPECT_NE(out_of_memory_advice("x", 6, 64).find("micro_batch=3"), std::string::npos);
  EXPECT_NE(out_of_memory_advice("x", 9, 64).find("micro_batch=3"), std::string::npos);
  EXPECT_NE(out_of_memory_advice("x", 7, 64).find("micro_batch=1"), std::string::npos);
}

TEST(OutOfMemory, AtMicroBatchOneItSuggestsShorterSequences) {
  const std::string m = out_of_memory_advice("x", 1, 32768);
  EXPECT_NE(m.find("already 1"), std::string::npos) << m;
  EXPECT_NE(m.find("train.seq_len"), std::string::npos) << m;
}

TEST(OutOfMemory, RecognisesTheAllocatorsAndCudasMessages) {
  EXPECT_TRUE(is_out_of_memory("out of memory on cuda:0: asked for 1.00 GiB"));
  EXPECT_TRUE(is_out_of_memory("CUDA error: out of memory (cudaMalloc)"));
  EXPECT_FALSE(is_out_of_memory("attention: head_dim 48 is not supported"));
}

}  // namespace
}  // namespace longnet::train
