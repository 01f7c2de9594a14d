// A synthetic but realistic pair of event streams for the replay benchmark: the authoritative
// server stream of an 8-player session at 20 Hz (about an hour for 1,000,000 events), and a copy
// with 100 planted differences scattered through it. Per tick, on average:
//   move       6.0  a player moved (entity, pos [x,y,z] in 1/16 blocks, yaw, pitch)
//   input      4.0  an input applied (entity, seq, buttons)
//   mob_move   2.0  a mob moved (entity 1000+, pos)
//   block_edit 0.5  a block placed or broken (key "x,y,z", block, by)
//   reconcile  0.2  a client corrected (entity, error in blocks)
//   chunk_load / chunk_unload 0.3 (key "cx,cy,cz", revision)
//   spawn / despawn 0.1 (item entities)
//   state_hash every 20 ticks: sections players, entities, chunks (hex strings)
//   chat       every ~300 ticks
// The planted differences: 30 changed floats, 10 changed integers, 20 missing events, 20 extra
// events, 10 reordered pairs and 10 changed state-hash sections, at seeded positions at least
// 2,000 events apart.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "theta_net/core/rng.hpp"
#include "theta_net/replay/event_writer.hpp"

namespace theta_net::bench {

struct StreamPair {
  std::uint64_t events_a = 0;
  std::uint64_t ticks = 0;
  std::uint64_t planted = 0;  // differences planted in B
};

namespace detail {

enum class Plant : std::uint8_t { kFloat, kInt, kMissing, kExtra, kReorder, kStateHash };

inline std::vector<Plant> plant_kinds() {
  std::vector<Plant> kinds;
  const std::pair<Plant, int> mix[] = {{Plant::kFloat, 30},   {Plant::kInt, 10},
                                       {Plant::kMissing, 20}, {Plant::kExtra, 20},
                                       {Plant::kReorder, 10}, {Plant::kStateHash, 10}};
  for (auto [kind, n] : mix) kinds.insert(kinds.end(), static_cast<std::size_t>(n), kind);
  return kinds;
}

inline double sixteenths(Rng& rng, std::int64_t lo, std::int64_t hi) {
  return static_cast<double>(rng.uniform_int(lo * 16, hi * 16)) / 16.0;
}

struct Player {
  double x = 0, y = 64, z = 0;
  std::int64_t yaw = 0, pitch = 0;
  std::uint64_t seq = 0;
};

// One changed value: the first float of the event (inside pos) moves by 1/16, or a float field
// only B has when there is none.
inline void change_float(replay::Event& e) {
  if (const replay::JsonValue* pos = e.json().find("pos")) {
    replay::JsonArray moved = pos->as_array();
    moved[0] = moved[0].as_double() + 0.0625;
    e.set("pos", std::move(moved));
  } else {
    e.set("float_jitter", 0.25);
  }
}

// One changed integer: the first integer field other than tick and entity, plus one.
inline void change_integer(replay::Event& e) {
  for (const auto& [key, value] : e.json().as_object()) {
    if (key != "tick" && key != "entity" && value.type() == replay::JsonValue::Type::kInt) {
      e.set(key, value.as_int() + 1);
      return;
    }
  }
  e.set("int_drift", 1);
}

}  // namespace detail

// Writes the reference stream to path_a and the altered copy to path_b.
inline Result<StreamPair> generate_stream_pair(const std::string& path_a, const std::string& path_b,
                                               std::uint64_t events, std::uint64_t seed = 2026) {
  using namespace replay;
  using detail::Plant;
  StreamHeader header = StreamHeader::for_this_build("bench_8_players", seed, 20, "server");
  THETA_TRY_ASSIGN(EventWriter wa, EventWriter::open(path_a, header));
  THETA_TRY_ASSIGN(EventWriter wb, EventWriter::open(path_b, header));

  // Where the differences go: one seeded position per plant, spread over the stream.
  Rng rng(seed);
  std::vector<Plant> kinds = detail::plant_kinds();
  const std::uint64_t spacing = events / (kinds.size() + 1);
  std::vector<std::pair<std::uint64_t, Plant>> plants;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    const std::uint64_t at = spacing * (i + 1) + rng.uniform(spacing / 2);
    plants.emplace_back(at, kinds[(i * 37) % kinds.size()]);  // interleave the kinds
  }
  std::size_t next_plant = 0;
  using detail::change_float;
  using detail::change_integer;
  bool pending_state_hash = false;

  std::array<detail::Player, 8> players;
  for (auto& p : players) {
    p.x = detail::sixteenths(rng, -200, 200);
    p.z = detail::sixteenths(rng, -200, 200);
  }
  std::vector<Event> tick_events;
  std::uint64_t written = 0, tick = 0;
  StreamPair out;
  auto add = [&](std::int64_t t, std::string_view kind) -> Event& {
    tick_events.emplace_back(t, kind);
    return tick_events.back();
  };
  while (written < events) {
    ++tick;
    tick_events.clear();
    const auto t = static_cast<std::int64_t>(tick);
    for (std::uint64_t p = 0; p < players.size(); ++p) {
      detail::Player& pl = players[p];
      if (rng.uniform(4) != 0) {
        pl.x += detail::sixteenths(rng, -1, 1);
        pl.z += detail::sixteenths(rng, -1, 1);
        pl.yaw = (pl.yaw + static_cast<std::int64_t>(rng.uniform(64))) % 65536;
        add(t, "move")
            .entity(p + 1)
            .set("pos", JsonValue::array({pl.x, pl.y, pl.z}))
            .set("yaw", pl.yaw)
            .set("pitch", pl.pitch);
      }
      if (rng.uniform(2) == 0) {
        add(t, "input").entity(p + 1).set("seq", ++pl.seq).set("buttons", rng.uniform(128));
      }
    }
    for (int m = 0; m < 2; ++m) {
      add(t, "mob_move")
          .entity(1000 + rng.uniform(64))
          .set("pos", JsonValue::array({detail::sixteenths(rng, -200, 200), 64.0,
                                        detail::sixteenths(rng, -200, 200)}));
    }
    if (rng.uniform(2) == 0) {
      add(t, "block_edit")
          .key(std::to_string(rng.uniform_int(-200, 200)) + "," +
               std::to_string(rng.uniform_int(40, 90)) + "," +
               std::to_string(rng.uniform_int(-200, 200)))
          .set("block", rng.uniform(2) ? "stone" : "air")
          .set("by", 1 + rng.uniform(8));
    }
    if (rng.uniform(5) == 0) {
      add(t, "reconcile")
          .entity(1 + rng.uniform(8))
          .set("error", detail::sixteenths(rng, 0, 1) / 8);
    }
    if (rng.uniform(10) < 3) {
      add(t, rng.uniform(2) ? "chunk_load" : "chunk_unload")
          .key(std::to_string(rng.uniform_int(-12, 12)) + ",4," +
               std::to_string(rng.uniform_int(-12, 12)))
          .set("revision", rng.uniform(100));
    }
    if (rng.uniform(10) == 0) {
      add(t, rng.uniform(2) ? "spawn" : "despawn")
          .entity(5000 + rng.uniform(500))
          .set("type", "item");
    }
    if (tick % 20 == 0) {
      add(t, "state_hash")
          .set("players", hex_hash(rng.next_u64()))
          .set("entities", hex_hash(rng.next_u64()))
          .set("chunks", hex_hash(rng.next_u64()));
    }
    if (rng.uniform(300) == 0) {
      add(t, "chat").entity(1 + rng.uniform(8)).set("text", "gg, meet at the tower");
    }
    if (tick_events.size() > events - written) {
      tick_events.erase(tick_events.begin() + static_cast<std::ptrdiff_t>(events - written),
                        tick_events.end());
    }

    // A: as generated. B: with the plants that fall in this tick.
    for (const Event& e : tick_events) THETA_TRY(wa.write(e));
    std::vector<Event> b = tick_events;
    const std::uint64_t end = written + tick_events.size();
    std::vector<std::size_t> drop;
    for (; next_plant < plants.size() && plants[next_plant].first < end; ++next_plant) {
      const std::size_t i = static_cast<std::size_t>(plants[next_plant].first - written);
      Event& e = b[i];
      switch (plants[next_plant].second) {
        case Plant::kFloat:
          change_float(e);
          break;
        case Plant::kInt:
          change_integer(e);
          break;
        case Plant::kMissing:
          drop.push_back(i);
          break;
        case Plant::kExtra:
          b.push_back(Event(t, "ghost"));
          b.back().entity(9999).set("why", "planted");
          break;
        case Plant::kReorder:
          if (i + 1 < b.size()) {
            std::swap(b[i], b[i + 1]);
          } else {
            std::swap(b[i], b[i - 1]);
          }
          break;
        case Plant::kStateHash:
          pending_state_hash = true;
          break;
      }
      ++out.planted;
    }
    if (pending_state_hash) {
      for (Event& e : b) {
        if (e.kind() == "state_hash") {
          e.set("entities", hex_hash(rng.next_u64()));
          pending_state_hash = false;
          break;
        }
      }
    }
    std::sort(drop.rbegin(), drop.rend());
    for (std::size_t i : drop) b.erase(b.begin() + static_cast<std::ptrdiff_t>(i));
    for (const Event& e : b) THETA_TRY(wb.write(e));
    written = end;
  }
  THETA_TRY(wa.close());
  THETA_TRY(wb.close());
  out.events_a = written;
  out.ticks = tick;
  return out;
}

}  // namespace theta_net::bench
