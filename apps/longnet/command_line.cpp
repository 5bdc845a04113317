#include "command_line.h"

#include <fstream>
#include <iterator>

namespace longnet::cli {
namespace {

std::string shell_quote(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789-_./=:,+@%") == std::string::npos)
    return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string current_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string line, word;
  for (char c : raw) {
    if (c != '\0') {
      word += c;
      continue;
    }
    line += (line.empty() ? "" : " ") + shell_quote(word);
    word.clear();
  }
  return line;
}

}  // namespace longnet::cli
