#include "nn/init.h"

#include <cmath>

#include "nn/module.h"
#include "ops/backend.h"

namespace longnet::nn {

Init Init::xavier_uniform(int64_t fan_in, int64_t fan_out, double gain) {
  return uniform(gain * std::sqrt(6.0 / double(fan_in + fan_out)));
}

Init Init::linear_default(int64_t fan_in, double gain) {
  return uniform(gain / std::sqrt(double(fan_in)));
}

double magneto_gain(int64_t layers) { return std::sqrt(std::log(2.0 * double(layers))); }

uint64_t parameter_stream(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

void initialize(Module& module, uint64_t seed) {
  for (const NamedParameter& p : module.named_parameters()) {
    ops::Backend& backend = ops::backend_for(p.tensor.device());
    const Init& init = p.init;
    switch (init.kind) {
      case Init::Kind::zeros: backend.fill(p.tensor, 0.0); break;
      case Init::Kind::ones: backend.fill(p.tensor, 1.0); break;
      case Init::Kind::uniform:
        backend.fill_random(p.tensor, ops::Distribution::uniform, init.a, init.b, seed,
                            parameter_stream(p.name));
        break;
      case Init::Kind::normal:
        backend.fill_random(p.tensor, ops::Distribution::normal, init.a, init.b, seed,
                            parameter_stream(p.name));
        break;
    }
  }
}

}  // namespace longnet::nn
