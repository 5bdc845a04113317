#include "train/gpu_adamw.h"

#include "ops/backend.h"
#include "ops/cuda/adamw.h"
#include "ops/cuda/grad_norm.h"

namespace longnet::train {
namespace {

namespace cu = longnet::cuda;

cu::DType kernel_dtype(const Tensor& t) {
  return t.dtype() == DType::bf16 ? cu::DType::bf16 : cu::DType::f32;
}

cu::DeviceContext& context(const Tensor& t) { return cu::DeviceContext::get(t.device().index); }

size_t bytes_of(const Tensor& t) { return size_t(t.numel()) * sizeof(float); }

}  // namespace

GpuAdamW::GpuAdamW(const nn::Module& model, optim::AdamWOptions options) : options_(options) {
  ops::Backend& gpu = ops::cuda_backend();
  for (const nn::NamedParameter& p : model.named_parameters()) {
    const Tensor& t = p.tensor;
    if (t.device().is_cpu() || !t.is_contiguous() ||
        (t.dtype() != DType::f32 && t.dtype() != DType::bf16))
      fail<RuntimeError>("GPU optimizer: parameter {} must be contiguous f32 or bf16 on a cuda "
                         "device (is {} on {})",
                         p.name, dtype_name(t.dtype()), to_string(t.device()));
    const auto f32 = [&] { return Tensor::empty(t.shape(), DType::f32, t.device()); };
    Slot slot{.param = t, .master = t.dtype() == DType::f32 ? t : f32(), .exp_avg = f32(),
              .exp_avg_sq = f32(), .grad_sum = f32(), .decay = p.decay};
    if (!slot.master.is_same(t)) gpu.copy(t, slot.master);
    for (const Tensor* zero : {&slot.exp_avg, &slot.exp_avg_sq, &slot.grad_sum}) gpu.fill(*zero, 0);
    slots_.push_back(std::move(slot));
    host_.weights.push_back({p.name, t.shape(), nullptr});
    host_.moments.push_back({p.name + ".exp_avg", {t.numel()}, nullptr});
    host_.moments.push_back({p.name + ".exp_avg_sq", {t.numel()}, nullptr});
  }
  if (slots_.empty()) fail<RuntimeError>("GPU optimizer: the model has no parameters");
  norm_ = Tensor::empty({1}, DType::f32, slots_.front().param.device());
}

void GpuAdamW::add_micro_batch_grads() {
  ops::Backend& gpu = ops::cuda_backend();
  for (Slot& s : slots_) {
    const Tensor grad = s.param.grad();
    if (!grad.defined()) continue;
    gpu.binary(ops::BinaryOp::add, s.grad_sum, grad, s.grad_sum);
    s.param.set_grad(Tensor());
  }
}

optim::GradClip GpuAdamW::clip(double max_norm) {
  std::vector<cu::TensorRef> refs;
  for (const Slot& s : slots_)
    refs.push_back({s.grad_sum.raw_data(), cu::DType::f32, s.grad_sum.numel()});
  cu::DeviceContext& ctx = context(norm_);
  cu::global_norm(ctx, refs, static_cast<float*>(norm_.raw_data()));
  float norm = 0;
  ctx.copy_to_host(&norm, norm_.raw_data(), sizeof norm);
  return optim::clip_for_norm(norm, max_norm);
}

void GpuAdamW::step(float lr, float grad_scale) {
  ++steps_;
  ops::Backend& gpu = ops::cuda_backend();
  for (Slot& s : slots_) {
    const cu::AdamWHyper h{.lr = lr, .beta1 = options_.beta1, .beta2 = options_.beta2,
                           .eps = options_.eps,
                           .weight_decay = s.decay ? options_.weight_decay : 0.f,
                           .step = steps_, .grad_scale = grad_scale};
    const bool separate = !s.master.is_same(s.param);
    cu::adamw_step(context(s.param), h, s.param.numel(), cu::DType::f32, s.grad_sum.raw_data(),
                   static_cast<float*>(s.master.raw_data()),
                   static_cast<float*>(s.exp_avg.raw_data()),
                   static_cast<float*>(s.exp_avg_sq.raw_data()), kernel_dtype(s.param),
                   separate ? s.param.raw_data() : nullptr);
    gpu.fill(s.grad_sum, 0);
  }
}

void GpuAdamW::allocate_host() {
  if (!host_values_.empty()) return;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const size_t n = size_t(slots_[i].param.numel());
    for (int k = 0; k < 3; ++k) host_values_.emplace_back(n);
    host_.weights[i].data = host_values_[3 * i].data();
    host_.moments[2 * i].data = host_values_[3 * i + 1].data();
    host_.moments[2 * i + 1].data = host_values_[3 * i + 2].data();
  }
}

TrainingTensors GpuAdamW::checkpoint_tensors() {
  allocate_host();
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    cu::DeviceContext& ctx = context(s.param);
    ctx.copy_to_host(host_.weights[i].data, s.master.raw_data(), bytes_of(s.master));
    ctx.copy_to_host(host_.moments[2 * i].data, s.exp_avg.raw_data(), bytes_of(s.exp_avg));
    ctx.copy_to_host(host_.moments[2 * i + 1].data, s.exp_avg_sq.raw_data(),
                     bytes_of(s.exp_avg_sq));
  }
  return host_;
}

TrainerState GpuAdamW::load(const std::filesystem::path& checkpoint) {
  allocate_host();
  const TrainerState state = load_trainer_state(checkpoint, host_);
  steps_ = state.step;
  ops::Backend& gpu = ops::cuda_backend();
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    cu::DeviceContext& ctx = context(s.param);
    ctx.copy_to_device(s.master.raw_data(), host_.weights[i].data, bytes_of(s.master));
    ctx.copy_to_device(s.exp_avg.raw_data(), host_.moments[2 * i].data, bytes_of(s.exp_avg));
    ctx.copy_to_device(s.exp_avg_sq.raw_data(), host_.moments[2 * i + 1].data,
                       bytes_of(s.exp_avg_sq));
    if (!s.master.is_same(s.param)) gpu.copy(s.master, s.param);  // rounds to nearest even
    gpu.fill(s.grad_sum, 0);
  }
  context(norm_).synchronize();
  return state;
}

}  // namespace longnet::train
