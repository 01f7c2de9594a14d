// The impairment model of one direction of a link, shared by SimNet (virtual time) and the UDP
// relay (wall-clock time): latency with jitter, random and Gilbert-Elliott burst loss,
// duplication, reordering, a bandwidth cap with a bounded queue, and scheduled partitions.
// Every random draw comes from one Rng, so a seed fixes every verdict.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/time.hpp"

namespace theta_net::transport {

// Two-state Markov loss (Gilbert-Elliott): in state Bad most packets are lost, and the chain
// stays there for 1 / p_bad_to_good packets on average, so losses come in bursts.
struct BurstLoss {
  double p_good_to_bad = 0;  // 0 disables the model
  double p_bad_to_good = 0.5;
  double loss_in_good = 0;
  double loss_in_bad = 1;
};

struct Partition {
  Nanos start{0};
  Nanos end{0};  // packets sent in [start, end) are lost
};

struct LinkConfig {
  Nanos latency{0};
  Nanos jitter{0};  // each packet's delay is latency + uniform[-jitter, +jitter], never < 0
  double loss = 0;
  BurstLoss burst;
  double duplicate = 0;  // probability of a second copy (with its own jitter)
  double reorder = 0;    // probability of holding a packet back by reorder_delay
  Nanos reorder_delay{std::chrono::milliseconds(10)};
  std::uint64_t rate_bits_per_second = 0;  // 0 = unlimited
  std::size_t queue_bytes = 256 * 1024;    // bounded queue in front of the rate cap (tail drop)
  std::vector<Partition> partitions;
};

// Presets named like other netcode tools', per direction: a round trip crosses two links, so
// "good" (40 ms RTT, 6 ms jitter, 0.2% loss) is 20 ms +- 3 ms with 0.2% loss each way.
enum class LinkPreset : std::uint8_t { kPerfect, kGood, kAverage, kPoor };
LinkConfig link_preset(LinkPreset preset);
// The preset named "perfect", "good", "average" or "poor".
// Errors: kInvalidArgument (any other name).
Result<LinkConfig> link_preset_named(std::string_view name);

enum class LinkFate : std::uint8_t { kDelivered, kLost, kQueueDrop, kPartitioned };

struct LinkVerdict {
  LinkFate fate = LinkFate::kDelivered;
  int copies = 0;  // 1, or 2 when duplicated
  Nanos arrival[2]{};
  bool reordered = false;
};

struct LinkCounters {
  std::uint64_t offered = 0;
  std::uint64_t delivered = 0;  // packets that leave the link (duplicates counted once)
  std::uint64_t lost = 0;       // random or burst loss
  std::uint64_t queue_drops = 0;
  std::uint64_t partitioned = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
};

class LinkModel {
 public:
  LinkModel(LinkConfig config, Rng rng) : config_(std::move(config)), rng_(rng) {}

  // The fate of a packet of `bytes` entering the link at `now` (non-decreasing across calls).
  LinkVerdict transmit(Nanos now, std::size_t bytes);

  const LinkConfig& config() const { return config_; }
  const LinkCounters& counters() const { return counters_; }

 private:
  Nanos jittered(Nanos base);

  LinkConfig config_;
  Rng rng_;
  LinkCounters counters_;
  bool burst_bad_ = false;
  Nanos busy_until_{0};  // when the rate-capped sender finishes its queue
};

}  // namespace theta_net::transport
