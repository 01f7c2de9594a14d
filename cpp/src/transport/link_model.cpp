#include "theta_net/transport/link_model.hpp"

#include <algorithm>

namespace theta_net::transport {

using std::chrono::milliseconds;

LinkConfig link_preset(LinkPreset preset) {
  LinkConfig c;
  switch (preset) {
    case LinkPreset::kPerfect:
      break;
    case LinkPreset::kGood:  // 40 ms RTT, 6 ms jitter, 0.2% loss
      c.latency = milliseconds(20);
      c.jitter = milliseconds(3);
      c.loss = 0.002;
      break;
    case LinkPreset::kAverage:  // 170 ms RTT, 45 ms jitter, 2% loss
      c.latency = milliseconds(85);
      c.jitter = Nanos(22'500'000);
      c.loss = 0.02;
      break;
    case LinkPreset::kPoor:  // 300 ms RTT, 84 ms jitter, 4% loss
      c.latency = milliseconds(150);
      c.jitter = milliseconds(42);
      c.loss = 0.04;
      break;
  }
  return c;
}

Result<LinkConfig> link_preset_named(std::string_view name) {
  if (name == "perfect") return link_preset(LinkPreset::kPerfect);
  if (name == "good") return link_preset(LinkPreset::kGood);
  if (name == "average") return link_preset(LinkPreset::kAverage);
  if (name == "poor") return link_preset(LinkPreset::kPoor);
  return make_error(ErrorCode::kInvalidArgument, "unknown link preset '", name,
                    "' (perfect, good, average, poor)");
}

Nanos LinkModel::jittered(Nanos base) {
  const auto j = config_.jitter.count();
  if (j <= 0) return base;
  return std::max(Nanos(0), base + Nanos(rng_.uniform_int(-j, j)));
}

LinkVerdict LinkModel::transmit(Nanos now, std::size_t bytes) {
  ++counters_.offered;
  LinkVerdict v;
  for (const Partition& p : config_.partitions) {
    if (now >= p.start && now < p.end) {
      ++counters_.partitioned;
      v.fate = LinkFate::kPartitioned;
      return v;
    }
  }
  bool lost = config_.loss > 0 && rng_.chance(config_.loss);
  if (config_.burst.p_good_to_bad > 0) {
    burst_bad_ = burst_bad_ ? !rng_.chance(config_.burst.p_bad_to_good)
                            : rng_.chance(config_.burst.p_good_to_bad);
    const double p = burst_bad_ ? config_.burst.loss_in_bad : config_.burst.loss_in_good;
    lost = rng_.chance(p) || lost;
  }
  if (lost) {
    ++counters_.lost;
    v.fate = LinkFate::kLost;
    return v;
  }
  Nanos departure = now;
  if (config_.rate_bits_per_second > 0) {
    const auto rate = static_cast<double>(config_.rate_bits_per_second);
    const Nanos start = std::max(now, busy_until_);
    const double backlog = static_cast<double>((start - now).count()) * rate / 8e9;
    if (backlog + static_cast<double>(bytes) > static_cast<double>(config_.queue_bytes)) {
      ++counters_.queue_drops;
      v.fate = LinkFate::kQueueDrop;
      return v;
    }
    busy_until_ = start + Nanos(static_cast<std::int64_t>(static_cast<double>(bytes) * 8e9 / rate));
    departure = busy_until_;
  }
  ++counters_.delivered;
  v.copies = 1;
  v.arrival[0] = jittered(departure + config_.latency);
  if (config_.reorder > 0 && rng_.chance(config_.reorder)) {
    ++counters_.reordered;
    v.reordered = true;
    v.arrival[0] += config_.reorder_delay;
  }
  if (config_.duplicate > 0 && rng_.chance(config_.duplicate)) {
    ++counters_.duplicated;
    v.copies = 2;
    v.arrival[1] = jittered(departure + config_.latency);
  }
  return v;
}

}  // namespace theta_net::transport
