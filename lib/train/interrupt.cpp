#include "train/interrupt.h"

#include <csignal>

namespace longnet::train {
namespace {

volatile std::sig_atomic_t g_raised = 0;
struct sigaction g_previous_int, g_previous_term;

void on_signal(int signal) {
  g_raised = 1;
  std::signal(signal, SIG_DFL);
}

}  // namespace

InterruptFlag::InterruptFlag() {
  g_raised = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

InterruptFlag::~InterruptFlag() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

bool InterruptFlag::raised() const { return g_raised != 0; }

}  // namespace longnet::train
