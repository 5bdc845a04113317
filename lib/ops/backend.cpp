#include "ops/backend.h"

namespace longnet::ops {

Backend& backend_for(Device device) {
  if (device.is_cpu()) return cpu_backend();
  return cuda_backend();
}

}  // namespace longnet::ops
