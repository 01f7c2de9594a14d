#include "theta_net/netcode/input_sender.hpp"

#include <utility>

namespace theta_net::netcode {

InputSender::InputSender(InputSchema schema) : schema_(std::move(schema)) {}

Status InputSender::push(std::uint32_t tick, std::span<const std::int64_t> codes) {
  if (codes.size() != schema_.slots()) {
    return make_error(ErrorCode::kInvalidArgument, "input ", schema_.name(), " has ",
                      schema_.slots(), " codes, not ", codes.size());
  }
  if (tick == 0) return make_error(ErrorCode::kInvalidArgument, "inputs start at tick 1");
  if (tick <= last_tick_) {
    return make_error(ErrorCode::kState, "input for tick ", tick, " after the one for tick ",
                      last_tick_);
  }
  if (Status valid = schema_.type().check_codes(codes); !valid.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "input for tick ", tick, ": ",
                      valid.error().message);
  }
  // A bundle holds consecutive ticks: after a gap the run starts again.
  if (!pending_.empty() && pending_.back().tick + 1 != tick) pending_.clear();
  if (pending_.size() == kMaxBundleInputs) {
    pending_.pop_front();
    ++stats_.dropped;
  }
  pending_.push_back(Sent{tick, std::vector<std::int64_t>(codes.begin(), codes.end())});
  last_tick_ = tick;
  ++stats_.inputs;
  return {};
}

void InputSender::acknowledge(std::uint32_t tick) {
  if (tick <= acked_tick_) return;
  acked_tick_ = tick;
  std::optional<Sent> newest;
  while (!pending_.empty() && pending_.front().tick <= tick) {
    newest = std::move(pending_.front());
    pending_.pop_front();
  }
  // Only the input for the acknowledged tick itself is what the server holds as its baseline.
  if (newest && newest->tick == tick) {
    baseline_ = std::move(newest);
  } else if (!baseline_ || baseline_->tick != tick) {
    baseline_.reset();
  }
}

Result<std::optional<Bytes>> InputSender::bundle() {
  if (pending_.empty()) return std::optional<Bytes>{};
  const std::uint32_t first = pending_.front().tick;
  rows_.clear();
  for (const Sent& sent : pending_) rows_.insert(rows_.end(), sent.codes.begin(), sent.codes.end());
  const bool against_baseline = baseline_ && baseline_->tick + 1 == first;
  std::span<const std::int64_t> baseline;
  if (against_baseline) baseline = baseline_->codes;
  auto encoded = encode_input_bundle(schema_, first, rows_, baseline);
  if (!encoded) return encoded.error();
  ++stats_.bundles;
  stats_.bundle_bytes += encoded->size();
  if (!against_baseline) ++stats_.against_default;
  return std::optional<Bytes>{std::move(*encoded)};
}

}  // namespace theta_net::netcode
