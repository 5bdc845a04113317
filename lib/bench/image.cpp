#include "bench/image.h"

#include <algorithm>
#include <cstdlib>

#include "common/error.h"

namespace longnet::bench {

Image::Image(int width, int height, Rgb background) : width_(width), height_(height) {
  if (width < 1 || height < 1) fail<RuntimeError>("an image needs a positive size, not {}x{}", width, height);
  bytes_.resize(size_t(width) * size_t(height) * 3);
  fill_rect(0, 0, width - 1, height - 1, background);
}

Rgb Image::at(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) {
    fail<RuntimeError>("pixel ({}, {}) is outside the {}x{} image", x, y, width_, height_);
  }
  const size_t i = (size_t(y) * width_ + x) * 3;
  return {bytes_[i], bytes_[i + 1], bytes_[i + 2]};
}

void Image::set(int x, int y, Rgb colour) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  const size_t i = (size_t(y) * width_ + x) * 3;
  bytes_[i] = colour.r;
  bytes_[i + 1] = colour.g;
  bytes_[i + 2] = colour.b;
}

void Image::fill_rect(int x0, int y0, int x1, int y1, Rgb colour) {
  for (int y = std::max(0, std::min(y0, y1)); y <= std::min(height_ - 1, std::max(y0, y1)); ++y) {
    for (int x = std::max(0, std::min(x0, x1)); x <= std::min(width_ - 1, std::max(x0, x1)); ++x) {
      set(x, y, colour);
    }
  }
}

void Image::line(int x0, int y0, int x1, int y1, Rgb colour, int thickness) {
  // Bresenham's walk; at each step a thickness x thickness square centred on the point.
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  const int lo = (thickness - 1) / 2, hi = thickness / 2;
  for (int err = dx + dy;;) {
    fill_rect(x0 - lo, y0 - lo, x0 + hi, y0 + hi, colour);
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

}  // namespace longnet::bench
