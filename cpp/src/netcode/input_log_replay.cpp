#include "theta_net/netcode/input_log_replay.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace theta_net::netcode {
namespace {

// The tick being gathered: the inputs read for it so far, by entity.
class PendingTick {
 public:
  bool empty() const { return inputs_.empty(); }
  bool has(std::uint64_t entity) const { return inputs_.count(entity) > 0; }
  void add(std::uint64_t entity, std::vector<std::int64_t> codes) {
    inputs_.emplace(entity, std::move(codes));
  }
  // The inputs in entity order, as the target sees them.
  std::vector<LoggedInput> view() const {
    std::vector<LoggedInput> out;
    out.reserve(inputs_.size());
    for (const auto& [entity, codes] : inputs_) out.push_back({entity, codes});
    return out;
  }
  void clear() { inputs_.clear(); }

 private:
  std::map<std::uint64_t, std::vector<std::int64_t>> inputs_;
};

class Replay {
 public:
  Replay(InputLogReader& log, InputLogTarget& target, const InputLogReplayLimits& limits)
      : log_(log), target_(target), limits_(limits) {}

  Result<InputLogReplaySummary> run() {
    InputLogRecord r;
    for (;;) {
      THETA_TRY_ASSIGN(bool more, log_.next(r));
      if (!more) break;
      // The end's tick is the first one not simulated: a log of exactly max_ticks ticks ends
      // at max_ticks + 1.
      const std::uint64_t last = r.kind == InputLogRecord::Kind::kEnd && r.tick > 0
                                     ? std::uint64_t{r.tick} - 1
                                     : std::uint64_t{r.tick};
      if (last > limits_.max_ticks) {
        return make_error(ErrorCode::kLimitExceeded, where(), "tick ", r.tick,
                          " is beyond the replay's limit of ", limits_.max_ticks, " ticks");
      }
      THETA_TRY(apply(r));
    }
    // A log cut short still had its last tick simulated: its inputs were logged as it ran.
    if (!pending_.empty()) THETA_TRY(simulate_through(pending_tick_));
    return summary_;
  }

 private:
  Status apply(const InputLogRecord& r) {
    using Kind = InputLogRecord::Kind;
    switch (r.kind) {
      case Kind::kInput:
        if (r.tick <= simulated_) {
          return bad(str_cat("an input for tick ", r.tick, ", which was already simulated"));
        }
        THETA_TRY(simulate_through(r.tick - 1));
        if (!present_.count(r.entity)) {
          return bad(str_cat("an input of entity ", r.entity, ", which has not joined"));
        }
        if (pending_.has(r.entity)) {
          return bad(str_cat("a second input of entity ", r.entity, " for tick ", r.tick));
        }
        pending_.add(r.entity, r.codes);
        pending_tick_ = r.tick;
        ++summary_.inputs;
        return {};
      case Kind::kJoin:
        THETA_TRY(simulate_through(r.tick));
        if (!present_.insert(r.entity).second) {
          return bad(str_cat("entity ", r.entity, " joins twice"));
        }
        ++summary_.joins;
        return target_.join(r.tick, r.entity, r.text);
      case Kind::kLeave:
        THETA_TRY(simulate_through(r.tick));
        if (!present_.erase(r.entity)) {
          return bad(str_cat("entity ", r.entity, " leaves without having joined"));
        }
        ++summary_.leaves;
        return target_.leave(r.tick, r.entity, r.text);
      case Kind::kEnd:
        // The end's tick was not simulated: it must lie after every tick that was.
        if (r.tick <= simulated_ || (!pending_.empty() && pending_tick_ >= r.tick)) {
          return bad(str_cat("the log ends at tick ", r.tick, ", which was already simulated"));
        }
        THETA_TRY(simulate_through(r.tick - 1));
        summary_.ended = true;
        return {};
      case Kind::kOther:
        THETA_TRY(simulate_through(r.tick));
        return target_.record(r.event);
    }
    return {};
  }

  // Simulates every tick after the last one simulated through `tick`; the first of them takes
  // the pending inputs (they were logged for it).
  Status simulate_through(std::uint32_t tick) {
    while (simulated_ < tick) {
      const std::uint32_t next = simulated_ + 1;
      const std::vector<LoggedInput> inputs = pending_.view();
      THETA_TRY(target_.step(next, inputs));
      pending_.clear();
      simulated_ = next;
      summary_.ticks = simulated_;
    }
    return {};
  }

  std::string where() const { return str_cat(log_.name(), ":", log_.line_number(), ": "); }
  Status bad(const std::string& what) const {
    return make_error(ErrorCode::kCorrupt, where(), what);
  }

  InputLogReader& log_;
  InputLogTarget& target_;
  InputLogReplayLimits limits_;
  InputLogReplaySummary summary_;
  std::set<std::uint64_t> present_;
  PendingTick pending_;
  std::uint32_t pending_tick_ = 0;
  std::uint32_t simulated_ = 0;
};

}  // namespace

Result<InputLogReplaySummary> replay_input_log(InputLogReader& log, InputLogTarget& target,
                                               const InputLogReplayLimits& limits) {
  return Replay(log, target, limits).run();
}

}  // namespace theta_net::netcode
