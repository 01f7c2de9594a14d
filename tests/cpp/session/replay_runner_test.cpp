// The replay runner: a game's input log replays into its server stream byte for byte, whatever
// network the game ran over, and a log that is not from this game says so.
#include "theta_net/session/replay_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "theta_net/replay/stream_diff.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
namespace bits = protocol::movebuttons_bits;
namespace fs = std::filesystem;

class ReplayRunner : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           str_cat("theta_replay_runner_", ::getpid(), "_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const char* name) const { return (dir_ / name).string(); }

  // Plays a short game with building, walking, chat and a player leaving; writes the server
  // stream and the input log.
  void play(NetworkKind network, const std::string& terrain) {
    const auto extra = world_header_extra(terrain, 10);
    auto header = replay::StreamHeader::for_this_build("replay_test", 7, 20, "server");
    header.extra = extra;
    auto events = replay::EventWriter::open(path("server.jsonl"), header);
    header.role = "inputs";
    auto inputs = replay::EventWriter::open(path("inputs.jsonl"), header);
    ASSERT_TRUE(events.ok() && inputs.ok());

    LocalSessionConfig config;
    config.network = network;
    config.server.world.terrain =
        world::TerrainGenerator(
            {7, terrain == "hills" ? world::TerrainKind::kHills : world::TerrainKind::kSuperflat,
             62})
            .filler();
    config.server.world.hash_interval = 10;
    config.server.chunks.view_radius = 2;
    auto created = LocalSession::create(config, &*events, &*inputs);
    ASSERT_TRUE(created.ok()) << created.error().describe();
    LocalSession& s = **created;
    for (const char* name : {"a", "b"}) {
      LocalClientSpec spec;
      spec.name = name;
      spec.link.latency = 30ms;
      spec.link.jitter = 5ms;
      spec.link.loss = network == NetworkKind::kSim ? 0.02 : 0.0;
      ASSERT_TRUE(s.add_client(spec).ok());
    }
    s.run_until(std::chrono::milliseconds(2500));
    PlayerIntent place;
    place.block = protocol::BlockAction{protocol::BlockActionKind::kPlace,
                                        {0, 3, 2},
                                        protocol::BlockFace::kUp,
                                        world::blocks::kPlanks};
    place.buttons = bits::kForward;
    s.client(0).set_intent(place);
    PlayerIntent walk;
    walk.buttons = bits::kLeft | bits::kJump;
    walk.yaw = 9000;
    s.client(1).set_intent(walk);
    s.client(1).say("hello");
    s.run_until(std::chrono::seconds(4));
    s.server().world().finish();
    ASSERT_TRUE(events->close().ok());
    ASSERT_TRUE(inputs->close().ok());
  }

  Result<ReplaySummary> replay(const char* input_log, const char* out) {
    THETA_TRY_ASSIGN(auto header, server_header_for_replay(path(input_log)));
    THETA_TRY_ASSIGN(auto writer, replay::EventWriter::open(path(out), header));
    THETA_TRY_ASSIGN(ReplaySummary summary, replay_input_log(path(input_log), writer));
    THETA_TRY(writer.close());
    return summary;
  }

  std::string read(const char* name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  void write(const char* name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  fs::path dir_;
};

TEST_F(ReplayRunner, SimNetGameReplaysByteForByte) {
  play(NetworkKind::kSim, "superflat");
  auto summary = replay("inputs.jsonl", "replayed.jsonl");
  ASSERT_TRUE(summary.ok()) << summary.error().describe();
  EXPECT_GE(summary->ticks, 75u);
  EXPECT_GT(summary->inputs, 100u);
  const std::string original = read("server.jsonl");
  EXPECT_NE(original.find(R"("kind":"block_edit")"), std::string::npos) << "a built";
  EXPECT_NE(original.find(R"("kind":"chat")"), std::string::npos);
  EXPECT_EQ(read("replayed.jsonl"), original);
}

TEST_F(ReplayRunner, QuicGameOnHillsReplaysByteForByte) {
  // Real sockets decide when each input arrives; the log records which tick applied it, so the
  // replay is exact all the same.
  play(NetworkKind::kQuic, "hills");
  auto summary = replay("inputs.jsonl", "replayed.jsonl");
  ASSERT_TRUE(summary.ok()) << summary.error().describe();
  EXPECT_EQ(read("replayed.jsonl"), read("server.jsonl"));
}

// The golden replays in replays/ (theta-net replay record) reproduce their server streams in
// this build: CI runs this test in the Release and the Debug+ASan trees.
TEST(GoldenReplays, EachInputLogReplaysIntoItsServerStream) {
  const fs::path root = fs::path(THETA_SOURCE_DIR) / "replays";
  int replays = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    const fs::path inputs = entry.path() / "inputs.jsonl";
    if (!fs::exists(inputs)) continue;
    SCOPED_TRACE(entry.path().filename().string());
    auto header = server_header_for_replay(inputs.string());
    ASSERT_TRUE(header.ok()) << header.error().describe();
    auto writer = replay::EventWriter::to_memory(*header);
    ASSERT_TRUE(writer.ok());
    auto summary = replay_input_log(inputs.string(), *writer);
    ASSERT_TRUE(summary.ok()) << summary.error().describe();
    std::ifstream golden(entry.path() / "server.jsonl", std::ios::binary);
    std::ostringstream expected;
    expected << golden.rdbuf();
    EXPECT_EQ(writer->take(), expected.str())
        << "the replay drifted from its golden stream: see docs/replay.md, 'Golden replays'";
    ++replays;
  }
  EXPECT_GE(replays, 4);
}

TEST_F(ReplayRunner, AnAlteredInputShowsInTheDiffAtItsTick) {
  play(NetworkKind::kSim, "superflat");
  std::string log = read("inputs.jsonl");
  // Turn one of b's walking inputs at tick 60 into a standstill.
  const std::string needle = R"("tick":60,"yaw":9000})";
  const auto at = log.find(needle);
  ASSERT_NE(at, std::string::npos);
  const auto line_start = log.rfind('\n', at) + 1;
  const auto buttons = log.find(R"("buttons":)", line_start);
  const auto comma = log.find(',', buttons);
  log.replace(buttons, comma - buttons, R"("buttons":0)");
  write("altered.jsonl", log);
  ASSERT_TRUE(replay("altered.jsonl", "replayed.jsonl").ok());
  auto report = replay::diff_event_files(path("server.jsonl"), path("replayed.jsonl"), {});
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_FALSE(report->equal);
  ASSERT_TRUE(report->first_state_hash_divergence.has_value());
  EXPECT_EQ(report->first_state_hash_divergence->tick, 60);
  EXPECT_EQ(report->first_state_hash_divergence->sections, std::vector<std::string>{"players"});
}

TEST_F(ReplayRunner, BadLogsAreTypedErrorsNamingTheLine) {
  play(NetworkKind::kSim, "superflat");
  const std::string log = read("inputs.jsonl");

  auto not_inputs = replay("server.jsonl", "out.jsonl");
  ASSERT_FALSE(not_inputs.ok());
  EXPECT_NE(not_inputs.error().message.find("not an input log"), std::string::npos);

  write("cut.jsonl", log.substr(0, log.rfind(R"({"kind":"end")")));
  auto cut = replay("cut.jsonl", "out.jsonl");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(cut.error().message.find("no end event"), std::string::npos) << cut.error().describe();

  std::string renumbered = log;
  const auto join = renumbered.find(R"("entity":2,"kind":"join")");
  ASSERT_NE(join, std::string::npos);
  renumbered.replace(join, 10, R"("entity":9)");
  write("renumbered.jsonl", renumbered);
  auto wrong_game = replay("renumbered.jsonl", "out.jsonl");
  ASSERT_FALSE(wrong_game.ok());
  EXPECT_NE(wrong_game.error().message.find("not from this game"), std::string::npos)
      << wrong_game.error().describe();

  std::string bad_yaw = log;
  const auto yaw = bad_yaw.find(R"("yaw":9000)");
  ASSERT_NE(yaw, std::string::npos);
  bad_yaw.replace(yaw, 10, R"("yaw":90000)");
  write("bad_yaw.jsonl", bad_yaw);
  auto out_of_range = replay("bad_yaw.jsonl", "out.jsonl");
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.error().message.find("'yaw' = 90000 is out of range"), std::string::npos)
      << out_of_range.error().describe();
  EXPECT_NE(out_of_range.error().message.find("bad_yaw.jsonl:"), std::string::npos);

  std::string backwards = log;
  backwards.insert(log.rfind(R"({"kind":"end")"),
                   "{\"entity\":1,\"kind\":\"chat\",\"text\":\"x\",\"tick\":3}\n");
  write("backwards.jsonl", backwards);
  auto stale = replay("backwards.jsonl", "out.jsonl");
  ASSERT_FALSE(stale.ok());
}

}  // namespace
}  // namespace theta_net::session
