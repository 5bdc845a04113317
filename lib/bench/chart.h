#pragma once
// A log-log line chart: one coloured line with square markers per series, decade ticks labelled
// 10^k on both axes, light grid lines at the decades, a legend at the right.
#include <string>
#include <utility>
#include <vector>

#include "bench/image.h"

namespace longnet::bench {

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), both > 0; drawn in x order
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  int width = 1000, height = 640;
};

// The plot area (pixels, inclusive) and the decades it spans: x from 10^x_lo at `left` to
// 10^x_hi at `right`, y from 10^y_lo at `bottom` to 10^y_hi at `top`.
struct Frame {
  int left, top, right, bottom;
  int x_lo, x_hi, y_lo, y_hi;

  int x_pixel(double x) const;
  int y_pixel(double y) const;
};

// The frame render_chart draws: the decades around every point (0..1 when there are none).
Frame chart_frame(const Chart& chart);

// Colour of the i-th series (a fixed palette, repeating after ten).
Rgb series_colour(size_t index);

Image render_chart(const Chart& chart);

}  // namespace longnet::bench
