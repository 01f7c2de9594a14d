// A replicated component type: a name, its stable 64-bit id and its fields. Engine-agnostic: a
// game (or a Python tool) describes its components with field descriptors, and everything
// downstream (snapshots, delta tracking, the entity bitstream) is driven by that description.
//
// The id is SipHash-2-4 of the UTF-8 name under the all-zero key, so any language computes it
// (theta_net.siphash24(bytes(16), b"transform")). The layout bytes carried by
// protocol::ComponentDescriptor describe the fields; decoding them is a border (fuzzed).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/field_descriptor.hpp"

namespace theta_net::replication {

using ComponentId = std::uint64_t;
using EntityId = std::uint64_t;

inline constexpr std::size_t kMaxComponentNameBytes = 256;  // ComponentDescriptor.name max
inline constexpr std::size_t kMaxFieldsPerComponent = 64;
inline constexpr std::uint8_t kLayoutVersion = 1;

// SipHash-2-4 of the name under the all-zero 16-byte key.
ComponentId component_id(std::string_view name);

class ComponentType {
 public:
  // Validates every field, the name, and that field names are unique.
  // Errors: kInvalidArgument (a name outside 1..kMaxComponentNameBytes bytes, a field that
  // FieldDescriptor::validate refuses, two fields with one name), kLimitExceeded (more than
  // kMaxFieldsPerComponent fields).
  static Result<ComponentType> make(std::string name, std::vector<FieldDescriptor> fields);
  // Rebuilds a type from a descriptor received from a peer (border: every byte is checked, and
  // the id must be the hash of the name).
  // Errors: those of decode_layout; kInvalidArgument (a name outside 1..kMaxComponentNameBytes
  // bytes, two fields with one name), kCorrupt (an id that is not the hash of the name).
  static Result<ComponentType> from_descriptor(const protocol::ComponentDescriptor& descriptor);

  const std::string& name() const { return name_; }
  ComponentId id() const { return id_; }
  const std::vector<FieldDescriptor>& fields() const { return fields_; }
  // Code slots of a whole component (the sum of its fields' slots) and where each field starts.
  int slots() const { return slots_; }
  int slot_of(std::size_t field) const { return offsets_[field]; }
  // The index of a field by name, or -1.
  int field_index(std::string_view name) const;
  // Bits of the fixed-width payload of one component (ComponentCodec), before byte alignment.
  int payload_bits() const { return payload_bits_; }

  // The layout bytes: version 1, varint field count, then per field its name (varint length +
  // UTF-8), kind (u8) and parameters (integer/fixed: zigzag varint min and max; fixed, angle,
  // quaternion: u8 bits).
  Bytes layout() const;
  protocol::ComponentDescriptor descriptor() const;

  void quantize(std::span<const std::int64_t> raw, std::span<std::int64_t> codes) const;
  void dequantize(std::span<const std::int64_t> codes, std::span<std::int64_t> raw) const;
  // Names the first field whose code is out of its range; ok when all are valid.
  // Errors: kOutOfRange (a code this field cannot produce).
  Status check_codes(std::span<const std::int64_t> codes) const;

  bool operator==(const ComponentType& o) const { return id_ == o.id_ && fields_ == o.fields_; }

 private:
  std::string name_;
  ComponentId id_ = 0;
  std::vector<FieldDescriptor> fields_;
  std::vector<int> offsets_;
  int slots_ = 0;
  int payload_bits_ = 0;
};

// Decodes layout bytes into field descriptors (validated).
// Errors: kTruncated (the layout ends early), kUnsupportedVersion (a layout version other than
// kLayoutVersion), kLimitExceeded (more than kMaxFieldsPerComponent fields), kCorrupt (a field
// name outside 1..kMaxFieldNameBytes bytes, an unknown kind, parameters that
// FieldDescriptor::validate refuses, bytes after the last field, a non-canonical varint),
// kOverflow (a varint over 64 bits).
Result<std::vector<FieldDescriptor>> decode_layout(ByteSpan layout);

}  // namespace theta_net::replication
