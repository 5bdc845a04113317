#include "autograd/node.h"

#include "autograd/grad_mode.h"

namespace longnet::autograd {

std::vector<Tensor> FunctionNode::backward(const Tensor& grad_output) {
  if (!fn_) fail<RuntimeError>("backward of {} ran twice", name_);
  std::vector<bool> needs;
  for (const Edge& e : inputs) needs.push_back(!e.empty());
  std::vector<Tensor> grads = fn_(grad_output, needs);
  fn_ = nullptr;
  return grads;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
  return any_requires_grad(std::vector<Tensor>(inputs));
}

void record(Tensor& output, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs) {
  node->inputs.clear();
  for (const Tensor& t : inputs) {
    Edge edge;
    if (t.defined() && t.requires_grad()) {
      if (t.grad_fn())
        edge.node = t.grad_fn();
      else
        edge.leaf = t;
    }
    node->inputs.push_back(std::move(edge));
  }
  node->output_shape = output.shape();
  output.set_grad_fn(std::move(node));
}

}  // namespace longnet::autograd

namespace longnet::autograd {

void record(Tensor& output, std::string_view name, const std::vector<Tensor>& inputs,
            BackwardFn backward) {
  record(output, std::make_shared<FunctionNode>(name, std::move(backward)), inputs);
}

}  // namespace longnet::autograd
