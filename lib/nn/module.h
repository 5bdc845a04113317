#pragma once
// The base of every layer: owns parameters and child modules under names, so that the full
// parameter names follow the hierarchy ("layers.3.attn.q_proj.weight"); checkpoints and the
// optimizer use these names. Modules are neither copied nor moved (children are referenced).
#include <string>
#include <vector>

#include "nn/init.h"
#include "tensor/tensor.h"

namespace longnet::nn {

// The dtype and device parameters are created with.
struct TensorOptions {
  DType dtype = DType::f32;
  Device device = Device::cpu();
};

struct NamedParameter {
  std::string name;
  Tensor tensor;  // a leaf with requires_grad
  bool decay;     // weight decay applies (weights of Linear and Embedding, not biases or norms)
  Init init;
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // This module's parameters, then each child's, depth first, in registration order.
  std::vector<NamedParameter> named_parameters() const;
  int64_t parameter_count() const;
  void zero_grad();

 protected:
  // Creates a parameter (contents set by initialize()). Returns the tensor to keep as a member.
  Tensor add_parameter(std::string name, const Shape& shape, Init init, bool decay,
                       const TensorOptions& options);
  // Registers a child that lives as long as this module (usually a member).
  void add_module(std::string name, Module& child);

 private:
  void collect(const std::string& prefix, std::vector<NamedParameter>& out) const;

  std::vector<NamedParameter> parameters_;
  std::vector<std::pair<std::string, Module*>> children_;
};

}  // namespace longnet::nn
