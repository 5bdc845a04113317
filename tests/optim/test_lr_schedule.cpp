#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "common/error.h"
#include "optim/lr_schedule.h"

namespace longnet::optim {
namespace {

// The paper's settings: peak 6e-4, 750 warm-up steps, linear (power 1) decay.
LrSchedule paper(ScheduleKind kind, double min_lr = 0.0) {
  return {kind, 6e-4, min_lr, 750, 10750, 1.0};
}

TEST(LrSchedule, WarmUpIsLinearFromZeroToPeak) {
  const LrSchedule s = paper(ScheduleKind::polynomial);
  EXPECT_DOUBLE_EQ(learning_rate(s, 0), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1), 6e-4 / 750);
  EXPECT_DOUBLE_EQ(learning_rate(s, 375), 3e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 750), 6e-4);
}

TEST(LrSchedule, PolynomialPowerOneDecaysLinearlyToMinLr) {
  const LrSchedule s = paper(ScheduleKind::polynomial, 1e-4);
  EXPECT_NEAR(learning_rate(s, 750 + 5000), 1e-4 + 5e-4 * 0.5, 1e-15);
  EXPECT_NEAR(learning_rate(s, 750 + 2500), 1e-4 + 5e-4 * 0.75, 1e-15);
  EXPECT_DOUBLE_EQ(learning_rate(s, 10750), 1e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 20000), 1e-4);
}

TEST(LrSchedule, PolynomialPowerTwoSquaresTheRemainingFraction) {
  LrSchedule s = paper(ScheduleKind::polynomial);
  s.power = 2.0;
  EXPECT_NEAR(learning_rate(s, 750 + 5000), 6e-4 * 0.25, 1e-15);
}

TEST(LrSchedule, CosineFollowsHalfACosineWave) {
  const LrSchedule s = paper(ScheduleKind::cosine, 1e-4);
  EXPECT_NEAR(learning_rate(s, 750 + 5000), 1e-4 + 5e-4 * 0.5, 1e-15);
  EXPECT_NEAR(learning_rate(s, 750 + 2500), 1e-4 + 5e-4 * (1 + std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_DOUBLE_EQ(learning_rate(s, 10750), 1e-4);
}

TEST(LrSchedule, ConstantHoldsThePeakAfterWarmUp) {
  const LrSchedule s = paper(ScheduleKind::constant);
  EXPECT_DOUBLE_EQ(learning_rate(s, 375), 3e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 751), 6e-4);
  EXPECT_DOUBLE_EQ(learning_rate(s, 1000000), 6e-4);
}

TEST(LrSchedule, NoWarmUpStartsAtThePeak) {
  LrSchedule s = paper(ScheduleKind::polynomial);
  s.warmup_steps = 0;
  EXPECT_DOUBLE_EQ(learning_rate(s, 1), 6e-4 * (1 - 1.0 / 10750));
}

TEST(LrSchedule, ParsesKindNamesAndRejectsOthers) {
  EXPECT_EQ(parse_schedule_kind("constant"), ScheduleKind::constant);
  EXPECT_EQ(parse_schedule_kind("polynomial"), ScheduleKind::polynomial);
  EXPECT_EQ(parse_schedule_kind("cosine"), ScheduleKind::cosine);
  try {
    parse_schedule_kind("linear");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'linear'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("polynomial"), std::string::npos);
  }
}

TEST(LrSchedule, ValidationRejectsImpossibleSchedules) {
  EXPECT_NO_THROW(validate(paper(ScheduleKind::polynomial)));
  LrSchedule s = paper(ScheduleKind::polynomial);
  s.total_steps = 750;
  EXPECT_THROW(validate(s), ConfigError);
  s = paper(ScheduleKind::cosine, 7e-4);
  EXPECT_THROW(validate(s), ConfigError);
  s = paper(ScheduleKind::polynomial);
  s.power = 0.0;
  EXPECT_THROW(validate(s), ConfigError);
  s = paper(ScheduleKind::constant);
  s.total_steps = 0;
  EXPECT_NO_THROW(validate(s));
}

}  // namespace
}  // namespace longnet::optim
