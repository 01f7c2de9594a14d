#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "test_worlds.hpp"
#include "theta_net/core/siphash.hpp"
#include "theta_net/replication/component_codec.hpp"
#include "theta_net/replication/component_registry.hpp"
#include "theta_net/replication/reference_components.hpp"

namespace theta_net::replication {
namespace {

using F = FieldDescriptor;

TEST(ComponentRegistry, IdIsSipHashOfTheNameUnderTheZeroKey) {
  EXPECT_EQ(component_id("theta.transform"), siphash24(SipKey{0, 0}, "theta.transform"));
  EXPECT_EQ(reference::transform_type().id(), component_id("theta.transform"));
  EXPECT_NE(component_id("a"), component_id("b"));
}

TEST(ComponentRegistry, DeduplicatesRegistration) {
  ComponentRegistry registry;
  ASSERT_TRUE(registry.add(testing::position_type()).ok());
  ASSERT_TRUE(registry.add(testing::position_type()).ok());
  ASSERT_TRUE(reference::register_components(registry).ok());
  ASSERT_TRUE(reference::register_components(registry).ok());
  EXPECT_EQ(registry.size(), 5u);
  EXPECT_EQ(registry.schema()->size(), 5u);
}

TEST(ComponentRegistry, RefusesTheSameNameWithOtherFields) {
  ComponentRegistry registry;
  ASSERT_TRUE(registry.add("position", {F::position("x")}).ok());
  auto again = registry.add("position", {F::position("x", -10, 10)});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(again.error().message.find("different fields"), std::string::npos);
}

TEST(ComponentRegistry, SchemaIsIndependentOfRegistrationOrder) {
  ComponentRegistry a, b;
  ASSERT_TRUE(a.add(testing::position_type()).ok());
  ASSERT_TRUE(a.add(testing::velocity_type()).ok());
  ASSERT_TRUE(reference::register_components(a).ok());
  ASSERT_TRUE(reference::register_components(b).ok());
  ASSERT_TRUE(b.add(testing::velocity_type()).ok());
  ASSERT_TRUE(b.add(testing::position_type()).ok());
  auto sa = a.schema(), sb = b.schema();
  EXPECT_EQ(sa->fingerprint(), sb->fingerprint());
  for (std::size_t k = 0; k < sa->size(); ++k) {
    EXPECT_EQ(sa->type(k).id(), sb->type(k).id());
    if (k > 0) {
      EXPECT_LT(sa->type(k - 1).id(), sa->type(k).id());
    }
  }
  EXPECT_EQ(sa->index_of_name("position"), sb->index_of_name("position"));
}

TEST(ComponentRegistry, ValidatesFields) {
  EXPECT_FALSE(ComponentType::make("", {F::boolean("a")}).ok());
  EXPECT_FALSE(ComponentType::make("t", {F::boolean("a"), F::boolean("a")}).ok());
  EXPECT_FALSE(ComponentType::make("t", {F::integer("a", 5, 4)}).ok());
  EXPECT_FALSE(ComponentType::make("t", {F::fixed("a", 17, 0, 1)}).ok());
  EXPECT_FALSE(ComponentType::make("t", {F::angle("a", 0)}).ok());
  EXPECT_FALSE(ComponentType::make("t", {F::quaternion("q", 1)}).ok());
  EXPECT_FALSE(ComponentType::make("t", {F::integer("a", INT64_MIN, INT64_MAX)}).ok());
  EXPECT_TRUE(ComponentType::make("t", {F::integer("a", -5, 5), F::quaternion("q")}).ok());
}

TEST(ComponentRegistry, LayoutRoundTripsThroughADescriptor) {
  auto type =
      ComponentType::make("body", {F::position("x", -256, 256, 9), F::quaternion("q"),
                                   F::angle("yaw", 12), F::integer("hp", -3, 90), F::boolean("on")})
          .value();
  auto back = ComponentType::from_descriptor(type.descriptor());
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, type);
  EXPECT_EQ(back->layout(), type.layout());
  EXPECT_EQ(type.slots(), 1 + 4 + 1 + 1 + 1);
  auto schema = Schema::from_descriptors(std::array{type.descriptor()});
  ASSERT_TRUE(schema.ok());
  EXPECT_TRUE((*schema)->check_descriptor(type.descriptor()).ok());
}

TEST(ComponentRegistry, LayoutDecoderRejectsBadInput) {
  const auto good = reference::transform_type().descriptor();
  auto with_layout = [&](Bytes layout) {
    auto d = good;
    d.layout = std::move(layout);
    return ComponentType::from_descriptor(d);
  };
  Bytes bad_version = good.layout;
  bad_version[0] = 9;
  EXPECT_EQ(with_layout(bad_version).error().code, ErrorCode::kUnsupportedVersion);
  Bytes trailing = good.layout;
  trailing.push_back(0);
  EXPECT_EQ(with_layout(trailing).error().code, ErrorCode::kCorrupt);
  Bytes truncated(good.layout.begin(), good.layout.end() - 1);
  EXPECT_EQ(with_layout(truncated).error().code, ErrorCode::kTruncated);
  EXPECT_EQ(with_layout({1, 0x41}).error().code, ErrorCode::kLimitExceeded);    // 65 fields
  EXPECT_EQ(with_layout({1, 1, 1, 'a', 9}).error().code, ErrorCode::kCorrupt);  // kind 9
  auto wrong_id = good;
  wrong_id.component ^= 1;
  EXPECT_EQ(ComponentType::from_descriptor(wrong_id).error().code, ErrorCode::kCorrupt);
  auto renamed = good;
  renamed.layout = reference::velocity_type().layout();
  EXPECT_FALSE(reference::schema()->check_descriptor(renamed).ok());
}

TEST(Quantization, DefaultsAreSixteenthsOfABlockAnd256AngleSteps) {
  const F pos = F::position("x");
  std::int64_t code = 0, raw = 0;
  pos.quantize(std::array{Fx::from_double(1.03).raw()}, std::span(&code, 1));
  EXPECT_EQ(code, 16);  // 1.03 blocks -> 16/16
  pos.dequantize(std::span(&code, 1), std::span(&raw, 1));
  EXPECT_EQ(raw, Fx::from_int(1).raw());
  pos.quantize(std::array{Fx::from_double(-1.0 / 32 - 0.001).raw()}, std::span(&code, 1));
  EXPECT_EQ(code, -1);
  const F yaw = F::angle("yaw");
  EXPECT_EQ(yaw.code_max(), 255);
  yaw.quantize(std::array{std::int64_t{65535}}, std::span(&code, 1));
  EXPECT_EQ(code, 0);  // wraps: 65535/65536 turn rounds to a full turn
  yaw.quantize(std::array{std::int64_t{-16384}}, std::span(&code, 1));
  EXPECT_EQ(code, 192);
  yaw.dequantize(std::span(&code, 1), std::span(&raw, 1));
  EXPECT_EQ(raw, -16384);
  const F clamped = F::integer("hp", 0, 20);
  clamped.quantize(std::array{std::int64_t{99}}, std::span(&code, 1));
  EXPECT_EQ(code, 20);
}

TEST(Quantization, ScalarCodesSurviveDequantizeQuantize) {
  for (const F& f : {F::position("p", -100, 100, 9), F::angle("a", 8), F::angle("b", 16),
                     F::fixed("v", 0, -5 * kFxOne, 5 * kFxOne), F::integer("i", -7, 7)}) {
    for (std::int64_t c = f.code_min(); c <= f.code_max();
         c += 1 + (f.code_max() - f.code_min()) / 997) {
      std::int64_t raw = 0, again = 0;
      f.dequantize(std::span(&c, 1), std::span(&raw, 1));
      f.quantize(std::span(&raw, 1), std::span(&again, 1));
      ASSERT_EQ(again, c) << f.name;
    }
  }
}

TEST(Quantization, SmallestThreeQuaternionsAreCloseAndCanonical) {
  const F q = F::quaternion("q", 9);
  Rng rng(5);
  int flips = 0;
  for (int n = 0; n < 2000; ++n) {
    std::array<double, 4> v{};
    double len = 0;
    for (double& x : v) {
      x = rng.next_double() * 2 - 1;
      len += x * x;
    }
    std::array<std::int64_t, 4> raw{}, code{}, back{}, code2{};
    for (int i = 0; i < 4; ++i) raw[i] = Fx::from_double(v[i] / std::sqrt(len)).raw();
    q.quantize(raw, code);
    ASSERT_TRUE(q.code_valid(code));
    q.dequantize(code, back);
    // Same rotation up to sign, within about a step (1/sqrt2 / 511 per component).
    double dot = 0;
    for (int i = 0; i < 4; ++i) dot += static_cast<double>(raw[i]) * back[i] / (65536.0 * 65536.0);
    EXPECT_GT(std::abs(dot), 0.9999);
    // Re-quantizing the dequantized value gives the same code, except rarely when the two
    // largest components were within a step of each other (then the other one may lead).
    q.quantize(back, code2);
    if (code2[0] != code[0]) {
      ++flips;
      continue;
    }
    for (int i = 1; i < 4; ++i) EXPECT_EQ(code2[i], code[i]);
  }
  EXPECT_LT(flips, 20);
}

TEST(ComponentCodec, RoundTripsAndRejectsBadPayloads) {
  auto world = testing::reference_world(20, 3);
  const Schema& schema = world.schema();
  for (std::size_t i = 0; i < world.size(); ++i) {
    for (std::size_t k = 0; k < schema.size(); ++k) {
      if (!(world.mask(i) >> k & 1)) continue;
      Bytes payload;
      encode_component(schema.type(k), world.codes(i, k), payload);
      EXPECT_EQ(payload.size(), component_payload_size(schema.type(k)));
      std::vector<std::int64_t> back(static_cast<std::size_t>(schema.type(k).slots()));
      ASSERT_TRUE(decode_component(schema.type(k), payload, back).ok());
      EXPECT_TRUE(std::equal(back.begin(), back.end(), world.codes(i, k).begin()));
    }
  }
  const auto& health = reference::health_type();
  std::vector<std::int64_t> codes(2);
  EXPECT_EQ(decode_component(health, Bytes(3), codes).error().code, ErrorCode::kCorrupt);
  Bytes padded = {0, 0, 0, 0};
  padded.back() = 0;
  EXPECT_TRUE(decode_component(health, padded, codes).ok());
  const auto& player = reference::player_state_type();  // 4 bools + 4 bits + 2 bits = 10 bits
  std::vector<std::int64_t> pcodes(6);
  EXPECT_EQ(decode_component(player, Bytes{0, 0xf0}, pcodes).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(decode_component(player, Bytes{0xf0, 0x00}, pcodes).error().code,
            ErrorCode::kOutOfRange);  // slot 15 > 8
}

TEST(ReferenceComponents, TypedValuesRoundTripThroughQuantization) {
  auto schema = reference::schema();
  reference::ReferenceAccess access(*schema);
  WorldState w(schema);
  const reference::Transform t{Fx::from_double(10.5), Fx::from_double(64.0625),
                               Fx::from_double(-3.25), 16384, -8192};
  access.set(w, 7, t);
  access.set(w, 7, reference::Health{13, 20});
  access.set(w, 7, reference::PlayerState{true, false, true, false, 4, 1});
  access.set(w, 7, reference::Velocity{Fx::from_double(1.5), Fx{}, Fx::from_double(-0.25)});
  const std::size_t i = w.find(7).value();
  EXPECT_EQ(access.transform(w, i), t);  // every value is on the 1/16 block and 1/256 turn grid
  EXPECT_EQ(access.health(w, i), (reference::Health{13, 20}));
  EXPECT_EQ(access.player_state(w, i), (reference::PlayerState{true, false, true, false, 4, 1}));
  EXPECT_EQ(access.velocity(w, i).x, Fx::from_double(1.5));
  const reference::Transform off{Fx::from_double(10.52), Fx{}, Fx{}, 100, 0};
  access.set(w, 8, off);
  EXPECT_EQ(access.transform(w, w.find(8).value()).x, Fx::from_double(10.5));
  EXPECT_EQ(access.transform(w, w.find(8).value()).yaw, 0);
}

}  // namespace
}  // namespace theta_net::replication
