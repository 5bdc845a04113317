#pragma once
// A recorded op. Each op defines a Node subclass that keeps only what its backward needs (saved
// tensors are detached, so the graph holds no cycles) and maps the output gradient to one
// gradient per input. Inputs that need no gradient have an empty Edge.
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "tensor/tensor.h"

namespace longnet::autograd {

class Node;

// Where an input's gradient goes: the node that produced it, or a leaf's .grad.
struct Edge {
  std::shared_ptr<Node> node;
  Tensor leaf;
  bool empty() const { return node == nullptr && !leaf.defined(); }
};

class Node {
 public:
  virtual ~Node() = default;
  virtual std::string_view name() const = 0;
  // One gradient per input edge (undefined where the edge is empty). Runs with grad disabled.
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;

  std::vector<Edge> inputs;
  Shape output_shape;
  bool released = false;
};

// A node whose backward is a function (usually a lambda capturing the detached tensors it
// needs). `needs[i]` says whether input i wants a gradient, so unneeded work can be skipped.
// The function, and with it the saved state, is dropped once it has run.
using BackwardFn =
    std::function<std::vector<Tensor>(const Tensor& grad, const std::vector<bool>& needs)>;

class FunctionNode : public Node {
 public:
  FunctionNode(std::string_view name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  std::string_view name() const override { return name_; }
  std::vector<Tensor> backward(const Tensor& grad_output) override;

 private:
  std::string_view name_;
  BackwardFn fn_;
};

// True when grad mode is on and some input requires a gradient.
bool any_requires_grad(std::initializer_list<Tensor> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Makes `output` the result of `node` applied to `inputs` (edges in the order of the node's
// gradients). Call only when any_requires_grad(inputs).
void record(Tensor& output, std::shared_ptr<Node> node, const std::vector<Tensor>& inputs);
// record() with a FunctionNode; `name` must be a string literal (it is kept as a view).
void record(Tensor& output, std::string_view name, const std::vector<Tensor>& inputs,
            BackwardFn backward);

}  // namespace longnet::autograd
