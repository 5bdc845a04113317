#pragma once
// Whether ops record graph nodes, per thread. NoGradGuard turns recording off for a scope
// (evaluation, optimizer steps, the backward pass itself).
namespace longnet::autograd {

bool grad_enabled();

class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace longnet::autograd
