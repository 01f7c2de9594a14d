#include "theta_net/replication/bit_model_coder.hpp"

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

void BitModelEncoder::finish() {
  rc_.flush_toward_zeros();
  // The decoder reads exactly as many bytes as were written; it pads with zeros, so up to 4
  // trailing zero bytes can go. Not more: then "the decoder read every byte and at most 4
  // beyond" is a check that holds for every valid payload.
  Bytes& out = rc_.sink().bytes();
  for (int i = 0; i < 4 && !out.empty() && out.back() == 0; ++i) out.pop_back();
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
