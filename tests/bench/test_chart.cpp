#include <gtest/gtest.h>

#include "bench/chart.h"
#include "bench/font.h"
#include "common/error.h"

namespace longnet::bench {
namespace {

constexpr Rgb black{0, 0, 0}, white{255, 255, 255};

Chart three_decades() {
  Chart chart{"runtime", "tokens", "ms", {}};
  chart.series.push_back({"dilated", {{10, 1}, {100, 10}, {1000, 100}}});
  return chart;
}

TEST(Chart, TheFrameSpansTheDecadesAroundThePoints) {
  Chart chart{"t", "x", "y", {{"s", {{8192, 0.3}, {65536, 40}}}}};
  const Frame f = chart_frame(chart);
  EXPECT_EQ(f.x_lo, 3);
  EXPECT_EQ(f.x_hi, 5);
  EXPECT_EQ(f.y_lo, -1);
  EXPECT_EQ(f.y_hi, 2);
}

TEST(Chart, PointsLandWhereTheLogScalesPutThem) {
  const Chart chart = three_decades();
  const Frame f = chart_frame(chart);
  const Image image = render_chart(chart);
  const Rgb colour = series_colour(0);
  // x from 10 to 1000 and y from 1 to 100 span the frame, so (100, 10) is its centre and the
  // first and last points are its bottom-left and top-right corners.
  EXPECT_EQ(image.at((f.left + f.right) / 2, (f.top + f.bottom) / 2), colour);
  EXPECT_EQ(image.at(f.left, f.bottom), colour);
  EXPECT_EQ(image.at(f.right, f.top), colour);
  // Between markers the line runs along the diagonal; off it the plot is background.
  const int qx = f.left + (f.right - f.left) / 4, qy = f.bottom - (f.bottom - f.top) / 4;
  EXPECT_EQ(image.at(qx, qy), colour);
  EXPECT_EQ(image.at(f.right - 10, f.bottom - 10), white);
}

TEST(Chart, AxesAreDrawnAlongTheFrame) {
  const Chart chart = three_decades();
  const Frame f = chart_frame(chart);
  const Image image = render_chart(chart);
  const int mid_x = f.left + (f.right - f.left) / 3, mid_y = f.top + (f.bottom - f.top) / 3;
  EXPECT_EQ(image.at(f.left, mid_y), black);
  EXPECT_EQ(image.at(mid_x, f.bottom), black);
  EXPECT_EQ(image.at(f.left + 1, mid_y), white);
}

TEST(Chart, EachSeriesHasItsOwnColour) {
  Chart chart = three_decades();
  chart.series.push_back({"dense", {{10, 100}}});
  const Frame f = chart_frame(chart);
  const Image image = render_chart(chart);
  EXPECT_NE(series_colour(0), series_colour(1));
  EXPECT_EQ(image.at(f.left, f.top), series_colour(1));
  EXPECT_EQ(image.at(f.left, f.bottom), series_colour(0));
}

TEST(Chart, ANonPositivePointIsAnError) {
  Chart chart{"t", "x", "y", {{"s", {{10, 0}}}}};
  EXPECT_THROW(render_chart(chart), RuntimeError);
}

TEST(Chart, NoPointsStillGiveAnEmptyFrame) {
  Chart chart{"t", "x", "y", {{"s", {}}}};
  const Image image = render_chart(chart);
  const Frame f = chart_frame(chart);
  EXPECT_EQ(image.at(f.left, (f.top + f.bottom) / 2), black);
}

TEST(Font, LowerCaseIsDrawnAsUpperCaseAndUnknownCharactersShow) {
  for (int y = 0; y < glyph_height; ++y) {
    for (int x = 0; x < glyph_width; ++x) EXPECT_EQ(glyph_pixel('g', x, y), glyph_pixel('G', x, y));
  }
  int ink = 0;
  for (int y = 0; y < glyph_height; ++y) {
    for (int x = 0; x < glyph_width; ++x) ink += glyph_pixel('~', x, y);
  }
  EXPECT_GT(ink, 0);
}

TEST(Font, TextIsDrawnInItsCellsAtTheRequestedScale) {
  Image image(100, 40, white);
  draw_text(image, 10, 5, "1", black, 2);
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 100; ++x) {
      const bool in_cell = x >= 10 && x < 10 + glyph_width * 2 && y >= 5 && y < 5 + glyph_height * 2;
      const bool ink = in_cell && glyph_pixel('1', (x - 10) / 2, (y - 5) / 2);
      EXPECT_EQ(image.at(x, y), ink ? black : white) << x << "," << y;
    }
  }
  EXPECT_EQ(text_width("abc", 2), 3 * cell_width * 2);
}

TEST(Font, VerticalTextIsHorizontalTextTurnedAQuarterAnticlockwise) {
  Image across(60, 20, white), up(20, 60, white);
  draw_text(across, 0, 0, "K7", black);
  draw_text_vertical(up, 0, 59, "K7", black);
  // Turning anticlockwise sends (x, y) of the upright text to (y, 59 - x).
  for (int y = 0; y < 20; ++y) {
    for (int x = 0; x < 60; ++x) EXPECT_EQ(across.at(x, y), up.at(y, 59 - x)) << x << "," << y;
  }
}

}  // namespace
}  // namespace longnet::bench
