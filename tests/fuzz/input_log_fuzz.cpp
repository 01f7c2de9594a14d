// Fuzzes an application's input log (netcode/input_log.hpp) and its replay
// (input_log_replay.hpp), a border: a log from a file drives the application's simulation. Every
// input must give an error or a replay, never a crash; a replay hands the target only what the
// schema allows (codes in range, entities in order, ticks one after another, within the limit),
// and a second replay of the same text does exactly the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/netcode/input_log.hpp"
#include "theta_net/netcode/input_log_replay.hpp"

namespace {

using namespace theta_net;
using replication::FieldDescriptor;

const netcode::InputSchema& schema() {
  static const netcode::InputSchema s =
      netcode::InputSchema::make("fuzz.Input",
                                 {{FieldDescriptor::fixed("move_x", 8, -Fx::kOne, Fx::kOne)},
                                  {FieldDescriptor::angle("aim", 12)},
                                  {FieldDescriptor::boolean("fire"), false},
                                  {FieldDescriptor::integer("slot", 0, 9)},
                                  {FieldDescriptor::quaternion("grip", 9)}})
          .value();
  return s;
}

// Writes down every call, checking what the replay promises the target.
class Checked : public netcode::InputLogTarget {
 public:
  std::string transcript;

  Status join(std::uint32_t tick, std::uint64_t entity, const std::string& name) override {
    if (tick != simulated_) std::abort();
    transcript += str_cat("j", tick, ":", entity, ":", name.size(), ";");
    return {};
  }
  Status leave(std::uint32_t tick, std::uint64_t entity, const std::string& detail) override {
    if (tick != simulated_) std::abort();
    transcript += str_cat("l", tick, ":", entity, ":", detail.size(), ";");
    return {};
  }
  Status step(std::uint32_t tick, std::span<const netcode::LoggedInput> inputs) override {
    if (tick != simulated_ + 1) std::abort();
    simulated_ = tick;
    std::uint64_t previous = 0;
    transcript += str_cat("s", tick);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (i > 0 && inputs[i].entity <= previous) std::abort();
      previous = inputs[i].entity;
      if (inputs[i].codes.size() != schema().slots()) std::abort();
      if (!schema().type().check_codes(inputs[i].codes).ok()) std::abort();
      transcript += str_cat(",", inputs[i].entity, "=", inputs[i].codes[0]);
    }
    transcript += ";";
    return {};
  }

 private:
  std::uint32_t simulated_ = 0;
};

constexpr std::uint32_t kMaxTicks = 500;

std::optional<std::string> replay_text(std::string_view text) {
  auto reader = netcode::InputLogReader::from_memory("fuzz.jsonl", text, schema());
  if (!reader.ok()) return std::nullopt;
  Checked target;
  netcode::InputLogReplayLimits limits;
  limits.max_ticks = kMaxTicks;
  auto summary = netcode::replay_input_log(*reader, target, limits);
  if (!summary.ok()) return std::nullopt;
  if (summary->ticks > kMaxTicks) std::abort();
  return target.transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto first = replay_text(text);
  if (first && replay_text(text) != first) std::abort();
  return 0;
}
