// Fuzzes the core readers every decoder is built from: ByteReader, varints and BitReader must
// reject any input with an error, never read out of bounds, and re-encode what they accepted to
// the same bytes (the varint reader accepts only canonical encodings).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "theta_net/core/bit_io.hpp"
#include "theta_net/core/varint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace theta_net;
  const ByteSpan input(data, size);

  ByteReader reader(input);
  while (!reader.empty()) {
    const std::size_t start = reader.offset();
    auto value = read_varint(reader);
    if (!value.ok()) break;
    Bytes again;
    ByteWriter w(again);
    write_varint(w, *value);
    const ByteSpan consumed = input.subspan(start, reader.offset() - start);
    if (again.size() != consumed.size() ||
        !std::equal(again.begin(), again.end(), consumed.begin())) {
      std::abort();  // an accepted varint must be the canonical encoding of its value
    }
  }

  // Widths taken from the data itself: a reader driven by hostile lengths.
  BitReader bits(input);
  for (std::size_t i = 0; i < size; ++i) {
    auto v = bits.read(data[i] % 65);
    if (!v.ok()) break;
  }
  return 0;
}
