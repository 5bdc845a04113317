#pragma once
// An RGB raster with the few drawing operations a chart needs. Drawing outside the image is
// clipped, so callers need not check bounds.
#include <cstdint>
#include <vector>

namespace longnet::bench {

struct Rgb {
  uint8_t r, g, b;
  bool operator==(const Rgb&) const = default;
};

class Image {
 public:
  Image(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  Rgb at(int x, int y) const;
  // Row-major RGB bytes, 3 per pixel, top row first.
  const std::vector<uint8_t>& bytes() const { return bytes_; }

  void set(int x, int y, Rgb colour);
  void fill_rect(int x0, int y0, int x1, int y1, Rgb colour);  // inclusive corners
  // A straight line `thickness` pixels wide (a square pen moved along it).
  void line(int x0, int y0, int x1, int y1, Rgb colour, int thickness = 1);

 private:
  int width_, height_;
  std::vector<uint8_t> bytes_;
};

}  // namespace longnet::bench
