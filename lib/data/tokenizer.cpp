#include "data/tokenizer.h"

#include <sentencepiece_processor.h>

#include <array>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/hash.h"
#include "common/atomic_file.h"
#include "data/text_segments.h"

namespace longnet::data {

namespace {

// SentencePiece's lattice grows with its input; documents are fed in pieces of about this many
// bytes, cut after a newline.
constexpr size_t kEncodeChunkBytes = 16 * 1024;

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace

struct Tokenizer::Model {
  sentencepiece::SentencePieceProcessor processor;
  std::string serialized;
  uint64_t checksum = 0;
  std::array<uint32_t, 256> byte_ids{};
  std::vector<std::string> texts;  // decoded text of every id
  bool tabs_as_symbol = false;     // the vocabulary knows kTabSymbol
};

Tokenizer::Tokenizer(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

Tokenizer Tokenizer::from_serialized(std::string serialized) {
  auto model = std::make_shared<Model>();
  const auto status = model->processor.LoadFromSerializedProto(serialized);
  if (!status.ok()) fail<RuntimeError>("not a SentencePiece model: {}", status.ToString());
  auto& sp = model->processor;
  for (int b = 0; b < 256; ++b) {
    const int id = sp.PieceToId(fmt::format("<0x{:02X}>", b));
    if (!sp.IsByte(id)) {
      fail<RuntimeError>("the SentencePiece model has no byte piece <0x{:02X}>: it was trained "
                         "without byte_fallback, which exact round trips need",
                         b);
    }
    model->byte_ids[b] = uint32_t(id);
  }
  const int tab_id = sp.PieceToId(kTabSymbol);
  model->tabs_as_symbol = !sp.IsUnknown(tab_id);
  model->texts.resize(size_t(sp.GetPieceSize()));
  for (int id = 0; id < sp.GetPieceSize(); ++id) {
    std::string& text = model->texts[size_t(id)];
    if (sp.IsByte(id)) {
      text = std::string(1, char(std::stoi(sp.IdToPiece(id).substr(3, 2), nullptr, 16)));
    } else if (!sp.IsControl(id) && !sp.IsUnknown(id)) {
      text = replace_all(replace_all(sp.IdToPiece(id), kSpaceSymbol, " "), kTabSymbol, "\t");
    }
  }
  model->checksum = hash64(serialized);
  model->serialized = std::move(serialized);
  return Tokenizer(std::move(model));
}

Tokenizer Tokenizer::load(const std::filesystem::path& model_file) {
  std::ifstream in(model_file, std::ios::binary);
  if (!in) {
    fail<RuntimeError>("cannot read the tokenizer {}: run `longnet prepare` to make it",
                       model_file.string());
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  try {
    return from_serialized(bytes.str());
  } catch (const RuntimeError& e) {
    fail<RuntimeError>("{}: {}", model_file.string(), e.what());
  }
}

void Tokenizer::save(const std::filesystem::path& model_file) const {
  write_file_atomically(model_file, model_->serialized);
}

int Tokenizer::vocab_size() const { return int(model_->texts.size()); }

uint64_t Tokenizer::checksum() const { return model_->checksum; }

EncodeCounts Tokenizer::encode(std::string_view text, std::vector<uint32_t>& ids) const {
  const Model& m = *model_;
  std::vector<int> piece_ids;
  const auto encode_run = [&](std::string_view run) {
    const std::string mapped = m.tabs_as_symbol ? tabs_to_symbol(run) : std::string(run);
    std::string_view rest = mapped;
    while (!rest.empty()) {
      size_t cut = rest.size();
      if (cut > kEncodeChunkBytes) {
        const size_t newline = rest.rfind('\n', kEncodeChunkBytes);
        cut = newline == std::string_view::npos ? kEncodeChunkBytes : newline + 1;
        // Never cut inside a UTF-8 sequence.
        while (cut < rest.size() && (static_cast<uint8_t>(rest[cut]) & 0xC0) == 0x80) ++cut;
      }
      piece_ids.clear();
      const auto status = m.processor.Encode(rest.substr(0, cut), &piece_ids);
      if (!status.ok()) fail<RuntimeError>("SentencePiece could not encode: {}", status.ToString());
      for (int id : piece_ids) ids.push_back(uint32_t(id));
      rest.remove_prefix(cut);
    }
  };
  const auto counts = split_segments(text, encode_run,
                                     [&](uint8_t byte) { ids.push_back(m.byte_ids[byte]); });
  return {counts.invalid_utf8_bytes, counts.raw_bytes};
}

std::vector<uint32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<uint32_t> ids;
  encode(text, ids);
  return ids;
}

const std::string& Tokenizer::piece_text(uint32_t id) const {
  if (id >= model_->texts.size()) {
    fail<RuntimeError>("token id {} is outside the tokenizer's vocabulary of {}: the tokens "
                       "come from another tokenizer",
                       id, model_->texts.size());
  }
  return model_->texts[id];
}

std::string Tokenizer::decode(std::span<const uint32_t> ids) const {
  std::string text;
  text.reserve(ids.size() * 4);
  for (uint32_t id : ids) text += piece_text(id);
  return text;
}

}  // namespace longnet::data
