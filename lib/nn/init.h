#pragma once
// How a parameter is initialised, kept with the parameter so that initialize() can run at any
// time. Random draws come from Philox(seed, stream, element) with the stream derived from the
// parameter's full name, so the same seed gives the same weights on every device and in any
// construction order.
#include <cstdint>
#include <string_view>

namespace longnet::nn {

class Module;

struct Init {
  enum class Kind { zeros, ones, uniform, normal };
  Kind kind = Kind::zeros;
  double a = 0, b = 0;  // uniform: [a, b); normal: mean a, standard deviation b

  static Init zeros() { return {Kind::zeros}; }
  static Init ones() { return {Kind::ones}; }
  static Init uniform(double bound) { return {Kind::uniform, -bound, bound}; }
  static Init normal(double mean, double stddev) { return {Kind::normal, mean, stddev}; }
  // Glorot/Xavier uniform: bound gain * sqrt(6 / (fan_in + fan_out)).
  static Init xavier_uniform(int64_t fan_in, int64_t fan_out, double gain = 1.0);
  // PyTorch's nn.Linear default, for weight and bias alike: bound gain / sqrt(fan_in).
  static Init linear_default(int64_t fan_in, double gain = 1.0);
};

// The MAGNETO gain for Wv, Wo, W1, W2 and their biases (DESIGN.md section 4): sqrt(log(2 N)).
double magneto_gain(int64_t layers);

// The Philox stream of a parameter: a 64-bit FNV-1a hash of its full name.
uint64_t parameter_stream(std::string_view name);

// Writes every parameter of `module` (recursively) from its Init, under `seed`.
void initialize(Module& module, uint64_t seed);

}  // namespace longnet::nn
