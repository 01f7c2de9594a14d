// The server's per-client input buffer over an application's own inputs (InputSchema). Clients
// stamp each input with the server tick it is for and run far enough ahead that it arrives in
// time; every bundle repeats the inputs not yet acknowledged. The buffer keeps inputs by tick,
// drops repeats and inputs that arrive after their tick, and at each tick hands the simulation
// that tick's input, or repeats the last one (without its one-shot fields) and counts the
// starvation. It also keeps the inputs it applied for a while, since a client codes its next
// bundle against the newest one the server acknowledged.
//
// The buffering rules are TickInputQueue's, which the reference game's InputJitterBuffer uses
// over its fixed InputFrame.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/netcode/input_schema.hpp"
#include "theta_net/netcode/tick_input_queue.hpp"

namespace theta_net::netcode {

class InputBuffer {
 public:
  // horizon_ticks: how far ahead of the next tick an input may be (further ones are refused).
  explicit InputBuffer(InputSchema schema, std::uint32_t horizon_ticks = 128);

  // One input (schema().slots() codes, already checked) for `tick`; `next_tick` is the next
  // tick the server will simulate.
  void add(std::uint32_t tick, std::span<const std::int64_t> codes, std::uint32_t next_tick);
  // Decodes a bundle, against the input it names when it names one, and adds its inputs. On an
  // error nothing is added.
  // Errors: those of decode_input_bundle; kState (the bundle is coded against the input for a
  // tick this buffer does not hold).
  Status add_bundle(ByteSpan payload, std::uint32_t next_tick);

  // The input for `tick` (call once per tick, in increasing order).
  std::span<const std::int64_t> take(std::uint32_t tick);

  // The input received for `tick`, while it is held (pending or applied in the last 256 ticks).
  std::optional<std::span<const std::int64_t>> held(std::uint32_t tick) const;
  // The newest tick simulated with the client's own input: what the server acknowledges.
  std::uint32_t last_applied_tick() const { return last_applied_tick_; }
  std::size_t depth() const { return queue_.depth(); }
  const InputBufferStats& stats() const { return queue_.stats(); }
  const InputSchema& schema() const { return schema_; }

 private:
  struct Applied {
    std::uint32_t tick = 0;
    bool used = false;
    std::vector<std::int64_t> codes;
  };
  static constexpr std::size_t kAppliedHistory = 256;

  InputSchema schema_;
  TickInputQueue<std::vector<std::int64_t>> queue_;
  std::vector<Applied> applied_;       // ring by tick: the baselines clients code against
  std::vector<std::int64_t> current_;  // what take() handed out last
  std::uint32_t last_applied_tick_ = 0;
};

}  // namespace theta_net::netcode
