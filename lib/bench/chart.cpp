#include "bench/chart.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "bench/font.h"
#include "common/error.h"

namespace longnet::bench {

namespace {

constexpr Rgb white{255, 255, 255}, black{0, 0, 0}, grid{225, 225, 225};
constexpr int label_scale = 2, marker_half = 3, tick = 6, minor_tick = 3;

// The legend's width: a colour swatch, a gap and the longest name.
int legend_width(const Chart& chart) {
  int widest = 0;
  for (const auto& s : chart.series) widest = std::max(widest, text_width(s.name, label_scale));
  return chart.series.empty() ? 0 : 30 + widest;
}

// A decade is labelled "10" with the exponent raised and smaller.
int decade_label_width(int exponent) {
  return text_width("10", label_scale) + text_width(std::to_string(exponent));
}

void draw_decade_label(Image& image, int x, int y, int exponent) {
  draw_text(image, x, y, "10", black, label_scale);
  draw_text(image, x + text_width("10", label_scale), y - cell_height / 2,
            std::to_string(exponent), black);
}

void draw_axes(Image& image, const Frame& f) {
  const int label_height = cell_height * label_scale;
  for (int k = f.x_lo; k <= f.x_hi; ++k) {
    const int x = f.x_pixel(std::pow(10.0, k));
    if (k > f.x_lo && k < f.x_hi) image.line(x, f.top, x, f.bottom, grid);
    image.line(x, f.bottom, x, f.bottom + tick, black);
    draw_decade_label(image, x - decade_label_width(k) / 2, f.bottom + tick + 8, k);
    for (int m = 2; m <= 9 && k < f.x_hi; ++m) {
      const int xm = f.x_pixel(m * std::pow(10.0, k));
      image.line(xm, f.bottom, xm, f.bottom + minor_tick, black);
    }
  }
  for (int k = f.y_lo; k <= f.y_hi; ++k) {
    const int y = f.y_pixel(std::pow(10.0, k));
    if (k > f.y_lo && k < f.y_hi) image.line(f.left, y, f.right, y, grid);
    image.line(f.left - tick, y, f.left, y, black);
    draw_decade_label(image, f.left - tick - 6 - decade_label_width(k), y - label_height / 2, k);
    for (int m = 2; m <= 9 && k < f.y_hi; ++m) {
      const int ym = f.y_pixel(m * std::pow(10.0, k));
      image.line(f.left - minor_tick, ym, f.left, ym, black);
    }
  }
  image.line(f.left, f.top, f.right, f.top, black);
  image.line(f.left, f.bottom, f.right, f.bottom, black);
  image.line(f.left, f.top, f.left, f.bottom, black);
  image.line(f.right, f.top, f.right, f.bottom, black);
}

void draw_series(Image& image, const Frame& f, const Series& series, Rgb colour) {
  auto points = series.points;
  std::sort(points.begin(), points.end());
  for (size_t i = 1; i < points.size(); ++i) {
    image.line(f.x_pixel(points[i - 1].first), f.y_pixel(points[i - 1].second),
               f.x_pixel(points[i].first), f.y_pixel(points[i].second), colour, 2);
  }
  for (const auto& [x, y] : points) {
    const int px = f.x_pixel(x), py = f.y_pixel(y);
    image.fill_rect(px - marker_half, py - marker_half, px + marker_half, py + marker_half, colour);
  }
}

void draw_legend(Image& image, const Frame& f, const Chart& chart) {
  const int x = f.right + 20, line_height = cell_height * label_scale + 8;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const int y = f.top + int(i) * line_height;
    image.fill_rect(x, y + 4, x + 18, y + 10, series_colour(i));
    draw_text(image, x + 26, y, chart.series[i].name, black, label_scale);
  }
}

}  // namespace

int Frame::x_pixel(double x) const {
  const double t = (std::log10(x) - x_lo) / double(x_hi - x_lo);
  return left + int(std::lround(t * (right - left)));
}

int Frame::y_pixel(double y) const {
  const double t = (std::log10(y) - y_lo) / double(y_hi - y_lo);
  return bottom - int(std::lround(t * (bottom - top)));
}

Frame chart_frame(const Chart& chart) {
  double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
  for (const auto& s : chart.series) {
    for (const auto& [x, y] : s.points) {
      if (!(x > 0 && y > 0) || !std::isfinite(x) || !std::isfinite(y)) {
        fail<RuntimeError>("series '{}' has the point ({}, {}); a log-log chart needs x, y > 0",
                           s.name, x, y);
      }
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      y_min = std::min(y_min, y), y_max = std::max(y_max, y);
    }
  }
  Frame f{};
  const auto decades = [](double lo, double hi, int& dlo, int& dhi) {
    dlo = std::isfinite(lo) ? int(std::floor(std::log10(lo))) : 0;
    dhi = std::isfinite(hi) ? int(std::ceil(std::log10(hi))) : 1;
    if (dhi <= dlo) dhi = dlo + 1;
  };
  decades(x_min, x_max, f.x_lo, f.x_hi);
  decades(y_min, y_max, f.y_lo, f.y_hi);
  f.left = 130;
  f.top = 60;
  f.right = chart.width - 30 - legend_width(chart);
  f.bottom = chart.height - 80;
  if (f.right - f.left < 100 || f.bottom - f.top < 100) {
    fail<RuntimeError>("a {}x{} chart leaves no room to plot (series names too long?)",
                       chart.width, chart.height);
  }
  return f;
}

Rgb series_colour(size_t index) {
  static constexpr Rgb palette[] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},
                                    {214, 39, 40},  {148, 103, 189}, {140, 86, 75},
                                    {227, 119, 194}, {127, 127, 127}, {188, 189, 34},
                                    {23, 190, 207}};
  return palette[index % std::size(palette)];
}

Image render_chart(const Chart& chart) {
  const Frame f = chart_frame(chart);
  Image image(chart.width, chart.height, white);
  draw_axes(image, f);
  for (size_t i = 0; i < chart.series.size(); ++i) {
    draw_series(image, f, chart.series[i], series_colour(i));
  }
  draw_legend(image, f, chart);
  const int title_width = text_width(chart.title, label_scale);
  draw_text(image, (chart.width - title_width) / 2, 20, chart.title, black, label_scale);
  const int x_label_width = text_width(chart.x_label, label_scale);
  draw_text(image, (f.left + f.right - x_label_width) / 2, chart.height - 30, chart.x_label, black,
            label_scale);
  const int y_label_width = text_width(chart.y_label, label_scale);
  draw_text_vertical(image, 16, (f.top + f.bottom + y_label_width) / 2, chart.y_label, black,
                     label_scale);
  return image;
}

}  // namespace longnet::bench
