#pragma once
// Ctrl-C during training: the handler only sets a flag; the training loop looks at it after each
// step, saves a checkpoint and exits 0. A second Ctrl-C restores the default action, so it ends
// the process at once.
namespace longnet::train {

class InterruptFlag {
 public:
  InterruptFlag();   // installs the SIGINT and SIGTERM handlers
  ~InterruptFlag();  // restores the previous ones
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;
  bool raised() const;
};

}  // namespace longnet::train
