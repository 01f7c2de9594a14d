// theta_arena_match: plays one arena match and prints its report as one line of JSON, then
// "arena: ok" when every player joined, predicted and was reconciled, and no input bundle was
// refused (exit 0; 1 otherwise, 2 for a bad command line). Its options are the scenario runner's
// game program contract (docs/scenarios.md, "Your own game"):
//   --network sim|quic|tcp|ws  --players N  --tick-rate HZ  --seconds S  --seed N
//   --latency-ms MS  --jitter-ms MS  --loss FRACTION   (each client's link, each way)
//   --events PATH  --hash-interval N  --scenario NAME  (the server's JSONL stream)
//   --inputs PATH                                      (the server's input log)
// and, to play a match again from its input log instead: --replay INPUT_LOG --events PATH.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "arena_match.hpp"
#include "arena_replay.hpp"

namespace {

int usage(const char* why) {
  std::fprintf(stderr, "theta_arena_match: %s\n", why);
  std::fprintf(stderr,
               "usage: theta_arena_match [--network sim|quic|tcp|ws] [--players N] "
               "[--tick-rate HZ] [--seconds S] [--seed N] [--latency-ms MS] [--jitter-ms MS] "
               "[--loss FRACTION] [--events PATH] [--inputs PATH] [--hash-interval N] "
               "[--scenario NAME]\n"
               "       theta_arena_match --replay INPUT_LOG --events PATH\n");
  return 2;
}

// A finite number, at most 2^53 (every option is bounded well below; no cast can overflow).
bool number(const char* text, double& out) {
  char* end = nullptr;
  out = std::strtod(text, &end);
  return end && *end == '\0' && end != text && std::isfinite(out) && out <= 9007199254740992.0;
}

// --replay: the server stream again from an input log; the report says what was replayed.
int replay(const std::string& input_log, const std::string& events) {
  auto report = arena::replay_match(input_log, events);
  if (!report) {
    std::fprintf(stderr, "theta_arena_match: %s\n", report.error().describe().c_str());
    return 1;
  }
  std::printf(
      "{\"mode\":\"replay\",\"ticks\":%u,\"inputs\":%llu,\"joins\":%llu,\"leaves\":%llu,"
      "\"ended\":%s,\"state_digest\":\"%s\"}\n",
      report->log.ticks, static_cast<unsigned long long>(report->log.inputs),
      static_cast<unsigned long long>(report->log.joins),
      static_cast<unsigned long long>(report->log.leaves), report->log.ended ? "true" : "false",
      theta_net::replay::hex_hash(report->state_digest).c_str());
  std::printf("arena: ok\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  arena::MatchConfig config;
  std::string replay_log;
  double seconds = 20, latency_ms = 0, jitter_ms = 0, loss = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return usage("every option takes a value");
    const char* value = argv[++i];
    double n = 0;
    if (flag == "--network") {
      auto kind = theta_net::session::network_kind_named(value);
      if (!kind) return usage(kind.error().message.c_str());
      config.network = *kind;
    } else if (flag == "--events") {
      config.events_path = value;
    } else if (flag == "--inputs") {
      config.inputs_path = value;
    } else if (flag == "--replay") {
      replay_log = value;
    } else if (flag == "--scenario") {
      config.scenario = value;
    } else if (!number(value, n) || n < 0) {
      return usage((std::string(flag) + " takes a finite number from 0 to 2^53").c_str());
    } else if (flag == "--players" && n >= 1 && n <= 64) {
      config.players = static_cast<std::uint32_t>(n);
    } else if (flag == "--tick-rate" && n >= 10 && n <= 120) {
      config.tick_rate = static_cast<std::uint32_t>(n);
    } else if (flag == "--seconds" && n > 0 && n <= 3600) {
      seconds = n;
    } else if (flag == "--seed") {
      config.seed = static_cast<std::uint64_t>(n);
    } else if (flag == "--latency-ms" && n <= 1000) {
      latency_ms = n;
    } else if (flag == "--jitter-ms" && n <= 1000) {
      jitter_ms = n;
    } else if (flag == "--loss" && n <= 1) {
      loss = n;
    } else if (flag == "--hash-interval" && n <= 1e6) {
      config.hash_interval = static_cast<std::uint32_t>(n);
    } else {
      return usage(
          (std::string("unknown option or value out of range: ") + std::string(flag)).c_str());
    }
  }
  if (!replay_log.empty()) {
    if (config.events_path.empty()) return usage("--replay writes the server stream to --events");
    return replay(replay_log, config.events_path);
  }
  config.duration = theta_net::Micros(static_cast<std::int64_t>(seconds * 1e6));
  config.link.latency = theta_net::Nanos(static_cast<std::int64_t>(latency_ms * 1e6));
  config.link.jitter = theta_net::Nanos(static_cast<std::int64_t>(jitter_ms * 1e6));
  config.link.loss = loss;
  auto match = arena::Match::create(config);
  if (!match) {
    std::fprintf(stderr, "theta_arena_match: %s\n", match.error().describe().c_str());
    return 1;
  }
  (*match)->run();
  if (auto finished = (*match)->finish(); !finished) {
    std::fprintf(stderr, "theta_arena_match: %s\n", finished.error().describe().c_str());
    return 1;
  }
  const arena::MatchReport report = (*match)->report();
  std::printf("%s\n", report.to_json().c_str());
  bool ok = report.server.bundles_refused == 0 && report.server.joins == config.players;
  for (const arena::PlayerReport& p : report.players)
    ok = ok && p.client.states > 0 && p.client.inputs > 0;
  std::printf("arena: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
