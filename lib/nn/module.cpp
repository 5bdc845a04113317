#include "nn/module.h"

namespace longnet::nn {

std::vector<NamedParameter> Module::named_parameters() const {
  std::vector<NamedParameter> out;
  collect("", out);
  return out;
}

void Module::collect(const std::string& prefix, std::vector<NamedParameter>& out) const {
  for (const NamedParameter& p : parameters_) {
    NamedParameter named = p;
    named.name = prefix + p.name;
    out.push_back(std::move(named));
  }
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (const NamedParameter& p : named_parameters()) n += p.tensor.numel();
  return n;
}

void Module::zero_grad() {
  for (NamedParameter& p : named_parameters()) p.tensor.set_grad(Tensor());
}

Tensor Module::add_parameter(std::string name, const Shape& shape, Init init, bool decay,
                             const TensorOptions& options) {
  for (const NamedParameter& p : parameters_)
    if (p.name == name) fail<RuntimeError>("module: parameter '{}' registered twice", name);
  Tensor t = Tensor::empty(shape, options.dtype, options.device);
  t.set_requires_grad(true);
  parameters_.push_back({std::move(name), t, decay, init});
  return t;
}

void Module::add_module(std::string name, Module& child) {
  for (const auto& c : children_)
    if (c.first == name) fail<RuntimeError>("module: child '{}' registered twice", name);
  children_.emplace_back(std::move(name), &child);
}

}  // namespace longnet::nn
