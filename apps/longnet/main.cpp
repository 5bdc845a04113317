// longnet: long-document language modelling with dilated attention (arXiv 2307.02486).
#include <fmt/core.h>

#include <exception>

#include "commands.h"
#include "common/error.h"

int main(int argc, char** argv) {
  CLI::App app{"longnet: train and evaluate long-context language models with dilated attention",
               "longnet"};
  app.require_subcommand(0, 1);
  longnet::cli::add_version_flag(app);
  longnet::cli::add_check_command(app);
  longnet::cli::add_prepare_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors exit 2 whatever CLI11's own code for them is (DESIGN.md section 6).
    fmt::print(stderr, "longnet: error: {}\nRun 'longnet --help' for usage.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    return longnet::report(e);
  }
  if (argc == 1) fmt::print("{}", app.help());
  return 0;
}
