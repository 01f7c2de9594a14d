#include "theta_net/replication/range_coder.hpp"

#include <array>
#include <bit>

namespace theta_net::replication {
namespace {

// log2(x) in 1/65536 units for x in 1..4096, by repeated squaring (integers only, so the table
// is the same on every machine).
std::uint32_t log2_fixed(std::uint32_t x) {
  const int whole = static_cast<int>(std::bit_width(x)) - 1;
  std::uint64_t m = (static_cast<std::uint64_t>(x) << 30) >> whole;  // x / 2^whole in Q30
  std::uint32_t frac = 0;
  for (int i = 15; i >= 0; --i) {
    m = (m * m) >> 30;
    if (m >= (std::uint64_t{2} << 30)) {
      m >>= 1;
      frac |= 1u << i;
    }
  }
  return (static_cast<std::uint32_t>(whole) << 16) | frac;
}

const std::array<std::uint32_t, kProbOne + 1>& cost_table() {
  // cost[p] = -log2(p / 4096) in 1/65536 bit.
  static const auto table = [] {
    std::array<std::uint32_t, kProbOne + 1> t{};
    t[0] = 24u << 16;  // never used: probabilities stay inside (0, 1)
    for (std::uint32_t p = 1; p <= kProbOne; ++p) t[p] = (12u << 16) - log2_fixed(p);
    return t;
  }();
  return table;
}

}  // namespace

void RangeEncoder::encode_direct(std::uint32_t value, int bits) {
  for (int i = bits - 1; i >= 0; --i) {
    range_ >>= 1;
    if ((value >> i) & 1) low_ += range_;
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      shift_low();
    }
  }
}

void RangeEncoder::emit(std::uint8_t byte) {
  if (first_) {  // the leading byte of an LZMA range coder is always 0: not sent
    first_ = false;
    return;
  }
  out_->push_back(byte);
}

void RangeEncoder::shift_low() {
  if (static_cast<std::uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
    const auto carry = static_cast<std::uint8_t>(low_ >> 32);
    std::uint8_t temp = cache_;
    do {
      emit(static_cast<std::uint8_t>(temp + carry));
      temp = 0xFF;
    } while (--cache_size_ != 0);
    cache_ = static_cast<std::uint8_t>(low_ >> 24);
  }
  ++cache_size_;
  low_ = (low_ & 0x00FFFFFFu) << 8;
}

void RangeEncoder::finish() {
  // Any value in [low, low + range) decodes the same; take the one with the most trailing zero
  // bits, so that after the trailing zero bytes are dropped the fewest bytes remain.
  const std::uint64_t high = low_ + range_ - 1;
  for (int k = 32; k > 0; --k) {
    const std::uint64_t candidate = (high >> k) << k;
    if (candidate >= low_) {
      low_ = candidate;
      break;
    }
  }
  for (int i = 0; i < 5; ++i) shift_low();
  // The decoder reads exactly as many bytes as were written; it pads with zeros, so up to 4
  // trailing zero bytes can go. Not more: then "the decoder read every byte and at most 4
  // beyond" is a check that holds for every valid payload.
  for (int i = 0; i < 4 && !out_->empty() && out_->back() == 0; ++i) out_->pop_back();
}

RangeDecoder::RangeDecoder(ByteSpan in) : in_(in) {
  for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | next();
}

std::uint32_t RangeDecoder::decode_direct(int bits) {
  std::uint32_t value = 0;
  for (int i = 0; i < bits; ++i) {
    range_ >>= 1;
    unsigned bit = 0;
    if (code_ >= range_) {
      code_ -= range_;
      bit = 1;
    }
    value = (value << 1) | bit;
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = (code_ << 8) | next();
    }
  }
  return value;
}

void BitCostCounter::encode(BitModel& model, unsigned bit) {
  const auto& cost = cost_table();
  cost_ += cost[bit == 0 ? model.p0 : kProbOne - model.p0];
  model.update(bit);
}

namespace {

// Runs of zeros through a settled model (seen == kAdaptSteps, so p0 moves by a fixed rule):
// jump[l][p] is the probability after 2^l zeros from p, cost[l][p] what those zeros cost.
// Binary lifting over this table costs a run of any length in O(log length).
struct ZeroRuns {
  static constexpr int kLevels = 11;  // up to 1,024 zeros per step; 32-bit costs cannot overflow
  std::uint16_t jump[kLevels][kProbOne + 1];
  std::uint32_t cost[kLevels][kProbOne + 1];
  ZeroRuns() {
    const auto& c = cost_table();
    const int shift = kAdaptShift[kAdaptSteps];
    for (std::uint32_t p = 1; p <= kProbOne; ++p) {
      jump[0][p] = static_cast<std::uint16_t>(p == kProbOne ? p : p + ((kProbOne - p) >> shift));
      cost[0][p] = c[p];
    }
    for (int l = 1; l < kLevels; ++l) {
      for (std::uint32_t p = 1; p <= kProbOne; ++p) {
        const std::uint16_t mid = jump[l - 1][p];
        jump[l][p] = jump[l - 1][mid];
        cost[l][p] = cost[l - 1][p] + cost[l - 1][mid];
      }
    }
  }
};

const ZeroRuns& zero_runs() {
  static const auto* table = new ZeroRuns();  // 270 KB, built on first use, never freed
  return *table;
}

}  // namespace

void BitCostCounter::encode_run(BitModel& model, unsigned bit, std::size_t count) {
  while (count > 0 && (bit != 0 || model.seen < kAdaptSteps)) {
    encode(model, bit);
    --count;
  }
  if (count == 0) return;
  const ZeroRuns& runs = zero_runs();
  std::uint32_t p = model.p0;
  for (int l = ZeroRuns::kLevels - 1; l >= 0; --l) {
    const std::size_t step = std::size_t{1} << l;
    while (count >= step) {
      cost_ += runs.cost[l][p];
      p = runs.jump[l][p];
      count -= step;
    }
  }
  model.p0 = static_cast<std::uint16_t>(p);
}

}  // namespace theta_net::replication
