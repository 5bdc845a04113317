// The evaluation table in the layout of the paper's Table 2.
#include <gtest/gtest.h>

#include "train/eval_table.h"

namespace longnet::train {
namespace {

const EvalTable kTable{.lengths = {2048, 8192, 32768},
                       .rows = {{"Transformer", 2048, {4.25, 5.5, std::nullopt}},
                                {"LongNet", 8192, {4.0, 3.125, 2.875}}}};

TEST(EvalTable, MarkdownHasModelLengthThenOneColumnPerEvalLength) {
  EXPECT_EQ(to_markdown(kTable),
            "| Model | Length | 2K | 8K | 32K |\n"
            "| --- | ---: | ---: | ---: | ---: |\n"
            "| Transformer | 2K | 4.25 | 5.50 | - |\n"
            "| LongNet | 8K | 4.00 | 3.12 | 2.88 |\n");
}

TEST(EvalTable, CsvUsesExactLengthsAndEmptyCellsForMissingValues) {
  EXPECT_EQ(to_csv(kTable),
            "model,training_length,2048,8192,32768\n"
            "Transformer,2048,4.2500,5.5000,\n"
            "LongNet,8192,4.0000,3.1250,2.8750\n");
}

TEST(EvalTable, CsvQuotesNamesWithCommas) {
  const EvalTable table{.lengths = {16}, .rows = {{"a,\"b\"", 16, {1.0}}}};
  EXPECT_EQ(to_csv(table), "model,training_length,16\n\"a,\"\"b\"\"\",16,1.0000\n");
}

TEST(EvalTable, LengthsAreHeadedLikeThePaper) {
  EXPECT_EQ(format_length(512), "512");
  EXPECT_EQ(format_length(2048), "2K");
  EXPECT_EQ(format_length(8192), "8K");
  EXPECT_EQ(format_length(1 << 20), "1M");
  EXPECT_EQ(format_length(5000), "5000");
}

}  // namespace
}  // namespace longnet::train
