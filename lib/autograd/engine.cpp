#include "autograd/engine.h"

#include <unordered_map>

#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace longnet::autograd {
namespace {

void accumulate_leaf(Tensor leaf, const Tensor& grad, const AddFn& add) {
  if (grad.shape() != leaf.shape())
    fail<RuntimeError>("backward: gradient of shape {} for a leaf of shape {}",
                       shape_string(grad.shape()), shape_string(leaf.shape()));
  leaf.set_grad(leaf.grad().defined() ? add(leaf.grad(), grad) : grad);
}

// Nodes reachable from root, each with how many edges point at it.
std::unordered_map<Node*, int> count_dependencies(Node* root) {
  std::unordered_map<Node*, int> count{{root, 0}};
  std::vector<Node*> stack{root};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    if (node->released)
      fail<RuntimeError>("backward through a graph that was already released (node {})",
                         node->name());
    for (const Edge& e : node->inputs) {
      if (!e.node) continue;
      if (count[e.node.get()]++ == 0) stack.push_back(e.node.get());
    }
  }
  return count;
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& seed, const AddFn& add) {
  if (!root.requires_grad())
    fail<RuntimeError>("backward on a tensor that does not require grad");
  if (seed.shape() != root.shape())
    fail<RuntimeError>("backward: seed of shape {} for a tensor of shape {}",
                       shape_string(seed.shape()), shape_string(root.shape()));
  NoGradGuard no_grad;
  if (!root.grad_fn()) {
    accumulate_leaf(root, seed, add);
    return;
  }
  std::shared_ptr<Node> root_node = root.grad_fn();
  std::unordered_map<Node*, int> pending = count_dependencies(root_node.get());
  std::unordered_map<Node*, Tensor> grads{{root_node.get(), seed}};
  std::vector<std::shared_ptr<Node>> ready{root_node};
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    // A node reached only by undefined gradients still runs its bookkeeping, so nodes below it
    // that other paths reach become ready.
    Tensor grad = std::move(grads[node.get()]);
    grads.erase(node.get());
    std::vector<Tensor> input_grads =
        grad.defined() ? node->backward(grad) : std::vector<Tensor>(node->inputs.size());
    if (input_grads.size() != node->inputs.size())
      fail<RuntimeError>("backward of {} returned {} gradients for {} inputs", node->name(),
                         input_grads.size(), node->inputs.size());
    std::vector<Edge> edges = std::move(node->inputs);
    node->inputs.clear();
    node->released = true;
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (e.empty()) continue;
      if (!input_grads[i].defined()) {
        if (e.node && --pending[e.node.get()] == 0) ready.push_back(e.node);
        continue;
      }
      if (e.leaf.defined()) {
        accumulate_leaf(e.leaf, input_grads[i], add);
        continue;
      }
      Tensor& slot = grads[e.node.get()];
      slot = slot.defined() ? add(slot, input_grads[i]) : input_grads[i];
      if (--pending[e.node.get()] == 0) ready.push_back(e.node);
    }
  }
}

}  // namespace longnet::autograd
