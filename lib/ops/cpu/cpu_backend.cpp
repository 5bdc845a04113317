#include "ops/cpu/cpu_backend.h"

namespace longnet::ops {

Backend& cpu_backend() {
  static cpu::CpuBackend backend;
  return backend;
}

}  // namespace longnet::ops
