// Fuzzes the replay runner, a border: an input log from a file drives a headless server. Every
// input must give an error or a replay, never a crash; a replay that succeeds is deterministic
// (a second run writes the same bytes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/session/replay_runner.hpp"

namespace {

using namespace theta_net;

// The server stream a replay of `text` writes, or nothing when the log is refused.
std::optional<std::string> replay_text(std::string_view text) {
  auto reader = replay::EventReader::from_memory("fuzz.jsonl", text);
  if (!reader.ok()) return std::nullopt;
  auto header = replay::StreamHeader::from_json(reader->header());
  if (!header.ok()) return std::nullopt;
  header->role = "server";
  auto writer = replay::EventWriter::to_memory(*header);
  if (!writer.ok()) return std::nullopt;
  // A short limit keeps each input quick; the limit itself is what is checked.
  session::ReplayLimits limits;
  limits.max_ticks = 300;
  auto summary = session::replay_input_log(*reader, *writer, limits);
  if (!summary.ok()) return std::nullopt;
  if (summary->ticks > limits.max_ticks) std::abort();
  return writer->take();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto first = replay_text(text);
  if (first && replay_text(text) != first) std::abort();
  return 0;
}
