// An application's input, declared the way its replicated components are: named fields with a
// kind and a range (buttons as bools or an integer bit mask, axes as fixed point, aim as
// angles), plus, per field, whether a tick whose input came late repeats it. Movement repeats;
// a one-shot action (fire, place a block) must not be done twice, so it falls back to its
// default.
//
// Inputs travel and are buffered as codes (the field descriptors' quantized integers), so the
// client's prediction and the server's simulation see exactly the same values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/replication/component_type.hpp"

namespace theta_net::netcode {

struct InputField {
  replication::FieldDescriptor field;
  bool repeat_when_late = true;  // false: a one-shot action, never repeated
};

// What to do with a raw value outside its field's declared range.
enum class OutOfRange : std::uint8_t { kClamp, kRefuse };

class InputSchema {
 public:
  // Errors: kInvalidArgument (no fields); those of replication::ComponentType::make.
  static Result<InputSchema> make(std::string name, std::vector<InputField> fields);

  const replication::ComponentType& type() const { return type_; }
  const std::string& name() const { return type_.name(); }
  std::size_t slots() const { return static_cast<std::size_t>(type_.slots()); }
  bool repeats(std::size_t field) const { return repeat_[field]; }

  // Raw values (Fx raw for fixed fields, 1/65536 turn for angles, 0/1 for bools) to codes.
  // Angles wrap and quaternions are normalized as they are quantized; any other value outside its
  // field's range is clamped (kClamp; the names of the clamped fields are returned) or refused
  // (kRefuse).
  // Errors: kInvalidArgument (raw or codes of another length than slots()), kOutOfRange (kRefuse:
  // names the field, its value and its range).
  Result<std::vector<std::string>> quantize(std::span<const std::int64_t> raw,
                                            std::span<std::int64_t> codes, OutOfRange policy) const;
  // Codes back to raw values.
  void dequantize(std::span<const std::int64_t> codes, std::span<std::int64_t> raw) const;

  // Every field at raw 0 (clamped into its range): the input of a player who touches nothing.
  const std::vector<std::int64_t>& default_codes() const { return default_codes_; }
  // The input a tick without its own input runs with: `last` with every one-shot field at its
  // default.
  void repeat_of(std::span<const std::int64_t> last, std::span<std::int64_t> out) const;

 private:
  InputSchema(replication::ComponentType type, std::vector<bool> repeat);

  replication::ComponentType type_;
  std::vector<bool> repeat_;
  std::vector<std::int64_t> default_codes_;
};

}  // namespace theta_net::netcode
