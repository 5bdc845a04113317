#pragma once
// Where a tensor's memory lives: the host, or CUDA device N.
#include <string>

namespace longnet {

struct Device {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int index = 0;

  static Device cpu() { return {Kind::cpu, 0}; }
  static Device cuda(int index = 0) { return {Kind::cuda, index}; }
  bool is_cpu() const { return kind == Kind::cpu; }
  bool operator==(const Device&) const = default;
};

std::string to_string(const Device& device);  // "cpu", "cuda:1"

}  // namespace longnet
