// Python access to the core primitives: checksums, hashes, varints and the deterministic RNG.
#include <pybind11/stl.h>

#include <array>
#include <cstring>
#include <utility>

#include "border.hpp"
#include "theta_net/core/allocator.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

void bind_core(py::module_& m) {
  m.def("keep_freed_memory", &keep_freed_memory, "bytes"_a,
        "Lets this process keep up to `bytes` of freed heap for reuse instead of returning it to "
        "the kernel at once (glibc's M_TRIM_THRESHOLD = bytes, M_MMAP_THRESHOLD = bytes / 16; "
        "neither below 128 KiB, the latter at most 32 MiB). Process-wide: for the application, as "
        "`theta-net serve` does. Large transfers "
        "(asset chunks) otherwise land on fresh pages every time (docs/transport.md, "
        "\"Allocator\"). 0 changes nothing. False when the C library is not glibc.");
  m.def(
      "crc32c",
      [](const py::buffer& data, std::uint32_t crc) {
        BufferView view(data);
        py::gil_scoped_release release;
        return crc32c(view.bytes(), crc);
      },
      "data"_a, "crc"_a = 0,
      "CRC32C (Castagnoli) of data, continuing from the CRC of the bytes before it.");

  m.def(
      "siphash24",
      [](const py::buffer& key, const py::buffer& data) {
        BufferView key_view(key);
        if (key_view.bytes().size() != 16) {
          throw BorderError(ErrorKind::kError,
                            make_error(ErrorCode::kInvalidArgument,
                                       "a SipHash key is 16 bytes, got ", key_view.bytes().size()));
        }
        std::array<std::uint8_t, 16> key_bytes{};
        std::memcpy(key_bytes.data(), key_view.bytes().data(), 16);
        BufferView view(data);
        return siphash24(SipKey::from_bytes(key_bytes), view.bytes());
      },
      "key"_a, "data"_a, "SipHash-2-4 (64-bit output) of data under a 16-byte key.");

  m.def(
      "encode_varint",
      [](std::uint64_t value) {
        Bytes out;
        ByteWriter w(out);
        write_varint(w, value);
        return to_pybytes(out);
      },
      "value"_a, "LEB128 encoding of an unsigned 64-bit value.");

  m.def(
      "decode_varint",
      [](const py::buffer& data, std::size_t offset) {
        BufferView view(data);
        if (offset > view.bytes().size()) {
          throw BorderError(ErrorKind::kError,
                            make_error(ErrorCode::kOutOfRange, "offset ", offset,
                                       " is past the end of ", view.bytes().size(), " bytes"));
        }
        ByteReader reader(view.bytes().subspan(offset));
        const std::uint64_t value = unwrap(read_varint(reader), ErrorKind::kError);
        return std::pair<std::uint64_t, std::size_t>(value, offset + reader.offset());
      },
      "data"_a, "offset"_a = 0,
      "Decodes one canonical LEB128 varint at offset; returns (value, offset after it).");

  m.def("zigzag_encode", &zigzag_encode, "value"_a, "Maps a signed 64-bit value to unsigned.");
  m.def("zigzag_decode", &zigzag_decode, "value"_a, "Inverse of zigzag_encode.");

  py::class_<Rng>(m, "Rng", "Deterministic xoshiro256** generator seeded through SplitMix64.")
      .def(py::init<std::uint64_t>(), "seed"_a = 0)
      .def_property_readonly("seed", &Rng::seed)
      .def("next_u64", &Rng::next_u64, "The next 64-bit output.")
      .def("next_u32", &Rng::next_u32, "The high 32 bits of the next output.")
      .def("uniform", &Rng::uniform, "bound"_a, "Uniform integer in [0, bound).")
      .def("uniform_int", &Rng::uniform_int, "lo"_a, "hi"_a, "Uniform integer in [lo, hi].")
      .def("next_double", &Rng::next_double, "Uniform float in [0, 1) with 53 random bits.")
      .def("chance", &Rng::chance, "p"_a, "True with probability p.")
      .def("fork", &Rng::fork, "stream"_a, "An independent generator for another stream.");
}

}  // namespace theta_net::bindings
