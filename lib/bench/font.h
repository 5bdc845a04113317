#pragma once
// A 5x7 bitmap font for chart labels: digits, letters (lower case is drawn as upper case) and
// the symbols  . , - + / ( ) : = % _ * ' and space. Each glyph sits in a 6x8 cell.
#include <string_view>

#include "bench/image.h"

namespace longnet::bench {

constexpr int glyph_width = 5, glyph_height = 7, cell_width = 6, cell_height = 8;

// Whether pixel (x, y) of the glyph for `c` is ink (x < 5, y < 7, top row y = 0). Characters the
// font lacks are drawn as a hollow box, so they show up rather than vanish.
bool glyph_pixel(char c, int x, int y);

// Draws `text` with its top-left corner at (x, y), each font pixel a scale x scale square.
// Vertical text is turned a quarter anticlockwise (read bottom to top), its bottom-left at (x, y).
void draw_text(Image& image, int x, int y, std::string_view text, Rgb colour, int scale = 1);
void draw_text_vertical(Image& image, int x, int y, std::string_view text, Rgb colour,
                        int scale = 1);

// Width in pixels of `text` drawn at `scale` (height is cell_height * scale).
int text_width(std::string_view text, int scale = 1);

}  // namespace longnet::bench
