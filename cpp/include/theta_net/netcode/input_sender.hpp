// The client's side of an application's inputs (the server's is InputBuffer): it keeps the
// client's own inputs by tick until the server acknowledges them, and writes each tick's bundle
// of every unacknowledged input, coded against the newest input the server acknowledged (which
// the server holds as its baseline).
//
// The server acknowledges by tick (GameState.last_input_tick: the newest tick it simulated with
// this client's own input). An acknowledgement of a tick whose input the sender no longer holds
// (dropped after a gap or past the bundle limit) acknowledges everything before it but cannot be
// a baseline: the bundle is then coded against the schema's default input.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/netcode/input_codec.hpp"
#include "theta_net/netcode/input_schema.hpp"

namespace theta_net::netcode {

struct InputSenderStats {
  std::uint64_t inputs = 0;           // inputs pushed
  std::uint64_t bundles = 0;          // bundles written
  std::uint64_t bundle_bytes = 0;     // their bytes
  std::uint64_t dropped = 0;          // unacknowledged inputs dropped past kMaxBundleInputs
  std::uint64_t against_default = 0;  // bundles coded against the default input

  // Names the fields (core/named_fields.hpp).
  template <class F>
  void visit(F&& f) const {
    f("inputs", inputs);
    f("bundles", bundles);
    f("bundle_bytes", bundle_bytes);
    f("dropped", dropped);
    f("against_default", against_default);
  }
};

class InputSender {
 public:
  explicit InputSender(InputSchema schema);

  // The client's input for `tick` (schema().slots() codes). Ticks go up by one; a gap (the
  // client skipped ticks) starts the unacknowledged run again from `tick`, since a bundle holds
  // consecutive ticks. Past kMaxBundleInputs unacknowledged inputs the oldest are dropped: the
  // server missed them anyway.
  // Errors: kInvalidArgument (not slots() codes, a code outside its field's range, tick 0),
  // kState (a tick not after the last one pushed).
  Status push(std::uint32_t tick, std::span<const std::int64_t> codes);
  // The server simulated `tick` with this client's input (or a repeat of it): every input up to
  // it is acknowledged. Older acknowledgements than the newest are ignored.
  void acknowledge(std::uint32_t tick);
  // The bundle of every unacknowledged input; nullopt when there is none.
  // Errors: those of encode_input_bundle (none for inputs push() accepted).
  Result<std::optional<Bytes>> bundle();

  std::size_t unacknowledged() const { return pending_.size(); }
  std::uint32_t acknowledged_tick() const { return acked_tick_; }
  // The tick of the newest input pushed (0: none yet).
  std::uint32_t last_tick() const { return last_tick_; }
  const InputSenderStats& stats() const { return stats_; }
  const InputSchema& schema() const { return schema_; }

 private:
  struct Sent {
    std::uint32_t tick = 0;
    std::vector<std::int64_t> codes;
  };

  InputSchema schema_;
  std::deque<Sent> pending_;  // consecutive ticks, oldest first
  // The newest acknowledged input, when the server holds it as a baseline.
  std::optional<Sent> baseline_;
  std::uint32_t acked_tick_ = 0;
  std::uint32_t last_tick_ = 0;
  std::vector<std::int64_t> rows_;  // scratch for bundle()
  InputSenderStats stats_;
};

}  // namespace theta_net::netcode
