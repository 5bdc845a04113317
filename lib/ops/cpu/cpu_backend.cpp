#include "ops/cpu/cpu_backend.h"

#include <cblas.h>

namespace longnet::ops {

cpu::CpuBackend::CpuBackend() { openblas_set_num_threads(1); }

Backend& cpu_backend() {
  static cpu::CpuBackend backend;
  return backend;
}

}  // namespace longnet::ops
