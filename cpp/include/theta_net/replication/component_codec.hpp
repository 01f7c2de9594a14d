// ComponentCodec: one component's codes <-> the fixed-width payload carried by world snapshots
// and ComponentDelta entries on the reliable replication lane. Each field's code, minus the
// field's smallest code, in exactly its code_bits() (a quaternion: largest index in 2 bits, then
// the three components), LSB-first, zero-padded to a byte. Reliable payloads are not
// delta-coded: the reliable lane carries low-rate state; high-rate state uses the entity
// bitstream (entity_codec.hpp).
#pragma once

#include <span>

#include "theta_net/core/bit_io.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/replication/component_type.hpp"

namespace theta_net::replication {

// One field's code(s) in their fixed width, as a payload holds them: a scalar's code minus its
// smallest code in code_bits(); a quaternion's largest index in 2 bits, then its three parts.
// Also used by other bit formats that carry field codes (netcode's input bundles).
void write_field_code(BitWriter& w, const FieldDescriptor& field,
                      std::span<const std::int64_t> code);
// Reads what write_field_code writes; the code is not range-checked here.
// Errors: kTruncated (the bits end inside the field).
Status read_field_code(BitReader& r, const FieldDescriptor& field, std::span<std::int64_t> code);

// Bytes of one component's payload.
std::size_t component_payload_size(const ComponentType& type);
void encode_component(const ComponentType& type, std::span<const std::int64_t> codes, Bytes& out);
// Border: the payload must be exactly component_payload_size() bytes, padding bits zero, every
// code in range.
// Errors: kCorrupt (a payload of another size, non-zero padding bits), kOutOfRange (a code
// outside its field's range).
Status decode_component(const ComponentType& type, ByteSpan payload, std::span<std::int64_t> codes);

}  // namespace theta_net::replication
