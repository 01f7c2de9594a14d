// The generic Predictor over an application's own state: a cart on a line, pushed by a thrust
// input, with a server that knows of a wind the client does not.
#include "theta_net/netcode/predictor.hpp"

#include <gtest/gtest.h>

#include <any>
#include <stdexcept>
#include <string>

#include "theta_net/netcode/divergence.hpp"
#include "theta_net/netcode/dynamic_model.hpp"

namespace theta_net::netcode {
namespace {

struct Cart {
  std::int64_t x = 0;  // millimetres
  std::int64_t v = 0;  // millimetres per tick
  bool operator==(const Cart&) const = default;
};
struct Thrust {
  std::int8_t push = 0;
};

struct CartModel {
  using State = Cart;
  using Input = Thrust;
  struct Diff {
    std::int64_t dx = 0;
    bool velocity = false;
  };
  std::int64_t wind = 0;          // the server's world may differ from the client's
  std::int64_t tolerance_mm = 2;  // a position error the player would not see
  int throw_at_tick = -1;         // a step that fails, for the exception test

  void step(Cart& c, const Thrust& in, std::uint32_t tick) const {
    if (static_cast<int>(tick) == throw_at_tick) throw std::runtime_error("step failed");
    c.v += in.push + wind;
    c.x += c.v;
  }
  Diff compare(const Cart& predicted, const Cart& server) const {
    return {predicted.x - server.x, predicted.v != server.v};
  }
  bool needs_correction(const Diff& d) const {
    return d.velocity || d.dx > tolerance_mm || d.dx < -tolerance_mm;
  }
};

static_assert(PredictionModel<CartModel>);
static_assert(PredictionModel<DynamicModel>);

Thrust thrust_for(std::uint32_t t) {
  return {static_cast<std::int8_t>(t % 7 == 0 ? -3 : 1)};
}

TEST(Predictor, AServerThatAgreesCausesNoCorrection) {
  Predictor<CartModel> p(CartModel{});
  p.reset({}, 0);
  CartModel server_model;
  Cart server;
  std::vector<Cart> server_states{server};
  for (std::uint32_t t = 1; t <= 50; ++t) {
    p.predict(t, thrust_for(t));
    server_model.step(server, thrust_for(t), t);
    server_states.push_back(server);
    if (t > 4) {
      EXPECT_FALSE(p.reconcile(server_states[t - 4], t - 4).has_value());
    }
  }
  EXPECT_EQ(p.state(), server);
  EXPECT_EQ(p.stats().predicted, 50u);
  EXPECT_EQ(p.stats().reconciled, 46u);
  EXPECT_EQ(p.stats().corrections, 0u);
}

TEST(Predictor, AMismatchRewindsToTheServerAndReplaysTheInputsSince) {
  Predictor<CartModel> p(CartModel{});
  p.reset({}, 0);
  CartModel windy;
  windy.wind = 1;  // the server's world pushes every tick
  Cart server;
  std::vector<Cart> server_states{server};
  for (std::uint32_t t = 1; t <= 20; ++t) {
    p.predict(t, thrust_for(t));
    windy.step(server, thrust_for(t), t);
    server_states.push_back(server);
  }
  // The client learns of the wind, then hears of tick 15.
  p.model().wind = 1;
  const Cart predicted15 = *p.state_at(15);
  auto c = p.reconcile(server_states[15], 15);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->tick, 15u);
  EXPECT_FALSE(c->no_history);
  EXPECT_EQ(c->ticks_replayed, 5u);
  EXPECT_TRUE(c->diff.velocity);
  EXPECT_EQ(c->diff.dx, predicted15.x - server_states[15].x);
  EXPECT_LT(c->diff.dx, -2);
  EXPECT_EQ(p.state(), server);                   // the replay landed where the server is
  EXPECT_EQ(*p.state_at(18), server_states[18]);  // and rewrote the history it replayed
  // The same news again, or older news, changes nothing.
  EXPECT_FALSE(p.reconcile(server_states[15], 15).has_value());
  EXPECT_FALSE(p.reconcile(server_states[12], 12).has_value());
  EXPECT_EQ(p.stats().corrections, 1u);
  EXPECT_EQ(p.stats().ticks_replayed, 5u);
}

TEST(Predictor, ASmallErrorWithinTheModelsToleranceIsKept) {
  Predictor<CartModel> p(CartModel{});
  p.reset({}, 0);
  for (std::uint32_t t = 1; t <= 5; ++t) p.predict(t, thrust_for(t));
  Cart near = *p.state_at(3);
  near.x += 2;  // within tolerance_mm
  EXPECT_FALSE(p.reconcile(near, 3).has_value());
  EXPECT_EQ(p.diff_at(near, 3)->dx, -2);
  Cart far = *p.state_at(4);
  far.x += 3;  // past it
  auto c = p.reconcile(far, 4);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->diff.dx, -3);
  EXPECT_FALSE(c->diff.velocity);
}

TEST(Predictor, ATickOutsideTheHistoryTakesTheServersWord) {
  Predictor<CartModel> p(CartModel{}, 4);
  p.reset({}, 0);
  for (std::uint32_t t = 1; t <= 10; ++t) p.predict(t, thrust_for(t));
  EXPECT_EQ(p.state_at(2), nullptr);
  Cart server{1000, 3};
  auto c = p.reconcile(server, 2);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->no_history);
  // Ticks 3..6 were forgotten with the history; 7..10 are replayed from the server's state.
  EXPECT_EQ(c->ticks_replayed, 4u);
  Cart expected = server;
  for (std::uint32_t t = 7; t <= 10; ++t) CartModel{}.step(expected, thrust_for(t), t);
  EXPECT_EQ(p.state(), expected);
  EXPECT_EQ(p.stats().no_history, 1u);
}

TEST(Predictor, UnacknowledgedInputsAreThoseAfterTheNewestServerTick) {
  Predictor<CartModel> p(CartModel{});
  p.reset({}, 0);
  for (std::uint32_t t = 1; t <= 10; ++t) p.predict(t, thrust_for(t));
  auto pending = p.unacknowledged(4);
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending.front().tick, 7u);
  EXPECT_EQ(pending.back().tick, 10u);
  EXPECT_EQ(pending.front().input.push, thrust_for(7).push);
  (void)p.reconcile(*p.state_at(9), 9);
  pending = p.unacknowledged(4);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending.front().tick, 10u);
  EXPECT_EQ(p.acked_tick(), 9u);
}

TEST(Predictor, AStepThatThrowsDuringReplayLeavesThePredictorAsItWas) {
  Predictor<CartModel> p(CartModel{});
  p.reset({}, 0);
  for (std::uint32_t t = 1; t <= 8; ++t) p.predict(t, thrust_for(t));
  const Cart before = p.state();
  const Cart six = *p.state_at(6);
  p.model().throw_at_tick = 7;
  EXPECT_THROW((void)p.reconcile(Cart{500, 1}, 5), std::runtime_error);
  EXPECT_EQ(p.state(), before);
  EXPECT_EQ(*p.state_at(6), six);  // the history was not half rewritten
  EXPECT_EQ(p.tick(), 8u);
  EXPECT_EQ(p.acked_tick(), 0u);  // the news was not taken: it may be given again
  p.model().throw_at_tick = -1;
  auto c = p.reconcile(Cart{500, 1}, 5);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->ticks_replayed, 3u);
}

TEST(Predictor, TheSameInputsGiveTheSameCorrectionsEveryRun) {
  auto run = [] {
    Predictor<CartModel> p(CartModel{});
    p.reset({}, 0);
    CartModel windy;
    Cart server;
    std::vector<Cart> states{server};
    std::string log;
    for (std::uint32_t t = 1; t <= 200; ++t) {
      windy.wind = t % 37 < 5 ? 1 : 0;
      p.predict(t, thrust_for(t));
      windy.step(server, thrust_for(t), t);
      states.push_back(server);
      if (t > 3) {
        if (auto c = p.reconcile(states[t - 3], t - 3)) {
          log += std::to_string(c->tick) + ":" + std::to_string(c->diff.dx) + ":" +
                 std::to_string(c->ticks_replayed) + ";";
        }
      }
    }
    return log + std::to_string(p.state().x);
  };
  const std::string first = run();
  EXPECT_NE(first.find(';'), std::string::npos);  // the wind did cause corrections
  EXPECT_EQ(first, run());
}

TEST(Divergence, ANondeterministicStepIsFoundAtItsFirstTickWithTheFieldsThatDiffer) {
  CartModel model;
  std::vector<Thrust> inputs;
  std::vector<Cart> recorded;
  Cart c;
  for (std::uint32_t t = 1; t <= 30; ++t) {
    inputs.push_back(thrust_for(t));
    model.step(c, inputs.back(), t);
    recorded.push_back(c);
  }
  // The same step reproduces every recorded state.
  EXPECT_FALSE(first_divergence(model, Cart{}, 1, std::span<const Thrust>(inputs),
                                std::span<const Cart>(recorded))
                   .has_value());
  // A step that depends on something outside its inputs (here a wind that changed between the
  // runs from tick 17 on) diverges there, and the diff says the velocity differs.
  struct Gusty : CartModel {
    void step(Cart& cart, const Thrust& in, std::uint32_t tick) const {
      CartModel::step(cart, in, tick);
      if (tick >= 17) cart.v += 1;
    }
  } gusty;
  auto d = first_divergence(gusty, Cart{}, 1, std::span<const Thrust>(inputs),
                            std::span<const Cart>(recorded));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->tick, 17u);
  EXPECT_TRUE(d->diff.velocity);
}

TEST(DynamicPredictor, TypeErasedStatesPredictAndReconcileLikeTheTemplate) {
  DynamicModel model;
  model.step_fn = [](std::any& state, const std::any& input, std::uint32_t) {
    state = std::any_cast<int>(state) + std::any_cast<int>(input);
  };
  model.compare_fn = [](const std::any& a, const std::any& b) {
    DynamicDiff d;
    d.magnitude = std::any_cast<int>(a) - std::any_cast<int>(b);
    if (d.magnitude != 0) d.fields.push_back("value");
    return d;
  };
  DynamicPredictor p(model);
  p.reset(std::any(0), 0);
  for (std::uint32_t t = 1; t <= 6; ++t) p.predict(t, std::any(static_cast<int>(t)));
  EXPECT_EQ(std::any_cast<int>(p.state()), 21);
  EXPECT_FALSE(p.reconcile(std::any(6), 3).has_value());  // 1+2+3
  auto c = p.reconcile(std::any(100), 4);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->diff.fields, std::vector<std::string>{"value"});
  EXPECT_EQ(c->diff.magnitude, 10 - 100);
  EXPECT_EQ(std::any_cast<int>(p.state()), 100 + 5 + 6);
}

}  // namespace
}  // namespace theta_net::netcode
