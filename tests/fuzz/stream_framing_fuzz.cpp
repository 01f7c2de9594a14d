// Fuzzes the reliable-lane record deframer (a border: stream bytes come from the peer). The
// first input byte picks how the rest is split into feed() calls; whatever the split, the
// messages must be the same, and none may exceed the limit.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "theta_net/transport/stream_framing.hpp"

using theta_net::Bytes;
using theta_net::ByteSpan;
using theta_net::transport::StreamDeframer;

namespace {

constexpr std::size_t kLimit = 4096;

std::vector<Bytes> deframe(ByteSpan data, std::size_t step, bool& failed) {
  StreamDeframer d(kLimit);
  std::vector<Bytes> out;
  failed = false;
  for (std::size_t pos = 0; pos < data.size() && !failed; pos += step) {
    failed = !d.feed(data.subspan(pos, std::min(step, data.size() - pos))).ok();
    while (auto m = d.next()) out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const ByteSpan body(data + 1, size - 1);
  bool failed_whole = false, failed_split = false;
  const auto whole = deframe(body, body.size() + 1, failed_whole);
  const auto split = deframe(body, step, failed_split);
  if (failed_whole != failed_split) __builtin_trap();
  // Messages completed before a failure may differ by how far each run got; without a
  // failure both must agree exactly.
  if (!failed_whole && whole != split) __builtin_trap();
  for (const Bytes& m : split) {
    if (m.size() > kLimit) __builtin_trap();
  }
  return 0;
}
