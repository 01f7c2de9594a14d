// Inputs declared like components, delta-coded in bundles, and buffered on the server.
#include "theta_net/netcode/input_codec.hpp"

#include <gtest/gtest.h>

#include "theta_net/core/bit_io.hpp"
#include "theta_net/core/fixed_point.hpp"
#include "theta_net/netcode/input_buffer.hpp"

namespace theta_net::netcode {
namespace {

using replication::FieldDescriptor;

// A twin-stick shooter's input: four buttons, a move stick, an aim angle, and a one-shot fire.
InputSchema shooter() {
  return InputSchema::make("shooter", {{FieldDescriptor::integer("buttons", 0, 15)},
                                       {FieldDescriptor::fixed("move_x", 8, -Fx::kOne, Fx::kOne)},
                                       {FieldDescriptor::fixed("move_y", 8, -Fx::kOne, Fx::kOne)},
                                       {FieldDescriptor::angle("aim", 12)},
                                       {FieldDescriptor::integer("weapon", 0, 5)},
                                       {FieldDescriptor::boolean("fire"), false}})
      .value();
}

// buttons, move_x, move_y (codes: 1/256 steps), aim (1/4096 turn), weapon, fire
std::vector<std::int64_t> input(std::int64_t buttons, std::int64_t mx, std::int64_t my,
                                std::int64_t aim, std::int64_t weapon, bool fire) {
  return {buttons, mx, my, aim, weapon, fire ? 1 : 0};
}

std::vector<std::int64_t> rows(std::initializer_list<std::vector<std::int64_t>> inputs) {
  std::vector<std::int64_t> out;
  for (const auto& i : inputs) out.insert(out.end(), i.begin(), i.end());
  return out;
}

TEST(InputCodec, ABundleRoundTripsWithAndWithoutABaseline) {
  const InputSchema s = shooter();
  const auto baseline = input(1, 256, 0, 4090, 2, false);
  const auto bundle = rows({input(1, 256, 0, 4094, 2, false),  // aim +4: small
                            input(1, 256, 0, 3, 2, true),      // aim across 0: +5, small
                            input(9, -256, 100, 2000, 2, false)});
  for (bool with_baseline : {false, true}) {
    auto bytes = encode_input_bundle(
        s, 41, bundle,
        with_baseline ? std::span<const std::int64_t>(baseline) : std::span<const std::int64_t>());
    ASSERT_TRUE(bytes.ok()) << bytes.error().describe();
    auto header = read_input_bundle_header(*bytes);
    ASSERT_TRUE(header.ok());
    EXPECT_EQ(header->first_tick, 41u);
    EXPECT_EQ(header->count, 3u);
    EXPECT_EQ(header->against_previous, with_baseline);
    auto decoded = decode_input_bundle(s, *bytes, baseline);
    ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
    EXPECT_EQ(decoded->rows, bundle);
  }
}

TEST(InputCodec, HeldInputsCostABitAField) {
  const InputSchema s = shooter();
  const auto held = input(5, 200, -30, 1234, 3, false);
  std::vector<std::int64_t> eight;
  for (int i = 0; i < 8; ++i) eight.insert(eight.end(), held.begin(), held.end());
  auto bytes = encode_input_bundle(s, 1000, eight, held);
  ASSERT_TRUE(bytes.ok());
  // Header: version, varint 1000 (2 bytes), count, flags = 5 bytes; 8 inputs x 6 fields x 1 bit
  // = 48 bits = 6 bytes.
  EXPECT_EQ(bytes->size(), 5u + 6u);
  // Against the default input instead, the first input pays for its fields once.
  auto cold = encode_input_bundle(s, 1000, eight, {});
  ASSERT_TRUE(cold.ok());
  EXPECT_GT(cold->size(), bytes->size());
  EXPECT_LT(cold->size(), bytes->size() + 8);
}

TEST(InputCodec, TheSameInputsGiveTheSameBytes) {
  const InputSchema s = shooter();
  const auto bundle = rows({input(1, 3, 4, 5, 0, true), input(2, 3, 4, 6, 1, false)});
  EXPECT_EQ(encode_input_bundle(s, 7, bundle, {}).value(),
            encode_input_bundle(s, 7, bundle, {}).value());
}

TEST(InputCodec, BadBundlesAreRefusedWithTheReason) {
  const InputSchema s = shooter();
  const auto one = input(1, 0, 0, 0, 0, false);
  Bytes good = encode_input_bundle(s, 5, one, {}).value();
  auto expect = [&](Bytes bytes, ErrorCode code, const std::string& words) {
    auto r = decode_input_bundle(s, bytes, one);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().describe();
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().describe();
  };
  Bytes b = good;
  b[0] = 2;
  expect(b, ErrorCode::kUnsupportedVersion, "version 2");
  b = good;
  b[2] = 0;  // count 0
  expect(b, ErrorCode::kLimitExceeded, "count 0");
  b = good;
  b[2] = 65;
  expect(b, ErrorCode::kLimitExceeded, "count 65");
  b = good;
  b[3] = 0x80;
  expect(b, ErrorCode::kCorrupt, "unknown flags");
  b = good;
  b.pop_back();
  expect(b, ErrorCode::kTruncated, "");
  b = good;
  b.push_back(0);
  expect(b, ErrorCode::kCorrupt, "after its last input");
  b = good;
  b.back() |= 0x80;  // a padding bit
  expect(b, ErrorCode::kCorrupt, "padding");
  // weapon takes 3 bits for 0..5: a full code of 7 is out of range.
  {
    Bytes raw{1, 5, 1, 0};
    BitWriter w(raw);
    for (int f = 0; f < 4; ++f) w.write_bool(false);
    w.write(0b11, 2);  // changed, full
    w.write(7, 3);
    w.write_bool(false);
    w.finish();
    expect(raw, ErrorCode::kOutOfRange, "tick 5");
  }
  // A delta whose exp-Golomb prefix runs past 64 bits.
  {
    Bytes raw{1, 5, 1, 0};
    BitWriter w(raw);
    w.write(0b01, 2);  // buttons: changed, a delta
    w.write(0, 64);
    w.write(0, 8);
    w.finish();
    expect(raw, ErrorCode::kCorrupt, "longer than 64 bits");
  }
  // buttons 0 - 8 leaves 0..15.
  {
    Bytes raw{1, 5, 1, 0};
    BitWriter w(raw);
    w.write(0b01, 2);
    w.write(0, 3);  // zigzag(-8) = 15: three zeros, a one, then 111
    w.write_bool(true);
    w.write(15, 3);
    w.finish();
    expect(raw, ErrorCode::kOutOfRange, "moves out of its range");
  }
  // A bundle coded against a previous input needs it.
  Bytes against = encode_input_bundle(s, 5, one, one).value();
  auto r = decode_input_bundle(s, against, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("tick 4"), std::string::npos);
}

TEST(InputCodec, TheEncoderRefusesWhatADecoderWould) {
  const InputSchema s = shooter();
  const auto one = input(1, 0, 0, 0, 0, false);
  EXPECT_EQ(encode_input_bundle(s, 5, {}, {}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(encode_input_bundle(s, 0, one, one).error().code, ErrorCode::kInvalidArgument);
  std::vector<std::int64_t> many;
  for (int i = 0; i < 65; ++i) many.insert(many.end(), one.begin(), one.end());
  EXPECT_EQ(encode_input_bundle(s, 5, many, {}).error().code, ErrorCode::kLimitExceeded);
  auto bad = encode_input_bundle(s, 5, input(16, 0, 0, 0, 0, false), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("buttons"), std::string::npos);
  EXPECT_EQ(encode_input_bundle(s, UINT32_MAX, rows({one, one}), {}).error().code,
            ErrorCode::kLimitExceeded);
}

TEST(InputSchema, AnInputWithoutFieldsIsRefused) {
  auto s = InputSchema::make("nothing", {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

TEST(InputSchema, RawValuesOutOfRangeAreClampedOrRefusedByName) {
  const InputSchema s = shooter();
  // move_x of 1.5 (raw) is outside [-1, 1]; the aim wraps and is never out of range.
  const std::vector<std::int64_t> raw = {3, Fx::kOne * 3 / 2, 0, Fx::kOne * 5, 0, 1};
  std::vector<std::int64_t> codes(s.slots());
  auto clamped = s.quantize(raw, codes, OutOfRange::kClamp);
  ASSERT_TRUE(clamped.ok());
  EXPECT_EQ(*clamped, std::vector<std::string>{"move_x"});
  EXPECT_EQ(codes[1], 256);  // 1.0 in 1/256 steps
  auto refused = s.quantize(raw, codes, OutOfRange::kRefuse);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kOutOfRange);
  EXPECT_NE(refused.error().message.find("'shooter.move_x' is 98304, outside [-65536, 65536]"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(s.default_codes(), input(0, 0, 0, 0, 0, false));
}

TEST(InputBuffer, BundlesFillTheBufferAndLateTicksRepeatAllButOneShotFields) {
  InputBuffer buffer(shooter());
  const auto a = input(1, 10, 0, 100, 1, true);
  const auto b = input(1, 12, 0, 104, 1, false);
  ASSERT_TRUE(buffer.add_bundle(encode_input_bundle(buffer.schema(), 10, a, {}).value(), 10).ok());
  const auto first = buffer.take(10);
  EXPECT_EQ(std::vector<std::int64_t>(first.begin(), first.end()), a);
  EXPECT_EQ(buffer.last_applied_tick(), 10u);
  // Tick 11 never came: the last input is repeated without its fire.
  const auto starved = buffer.take(11);
  EXPECT_EQ(std::vector<std::int64_t>(starved.begin(), starved.end()),
            input(1, 10, 0, 100, 1, false));
  EXPECT_EQ(buffer.stats().starved, 1u);
  // The client codes 11..12 against 10, the newest input acknowledged; 11 arrives late.
  Bytes next = encode_input_bundle(buffer.schema(), 11, rows({a, b}), a).value();
  ASSERT_TRUE(buffer.add_bundle(next, 12).ok());
  EXPECT_EQ(buffer.stats().late, 1u);
  const auto got = buffer.take(12);
  EXPECT_EQ(std::vector<std::int64_t>(got.begin(), got.end()), b);
  // The same bundle again: duplicates.
  ASSERT_TRUE(buffer.add_bundle(next, 13).ok());
  EXPECT_EQ(buffer.stats().duplicates, 1u);
  // A bundle coded against an input the server never had is refused, and adds nothing.
  Bytes orphan = encode_input_bundle(buffer.schema(), 31, a, b).value();
  auto st = buffer.add_bundle(orphan, 13);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kState);
  EXPECT_NE(st.error().message.find("tick 30"), std::string::npos);
  EXPECT_EQ(buffer.depth(), 0u);
}

TEST(InputBuffer, FarFutureInputsAreRefused) {
  InputBuffer buffer(shooter(), 16);
  buffer.add(100, input(0, 0, 0, 0, 0, false), 10);
  EXPECT_EQ(buffer.stats().too_early, 1u);
  EXPECT_EQ(buffer.depth(), 0u);
}

}  // namespace
}  // namespace theta_net::netcode
