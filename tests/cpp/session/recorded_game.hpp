// For game tests that replay what they recorded: a temporary folder (named after the test) with
// the server's event stream and input log, the stream read back when the game is over, and the
// input log replayed on a headless server.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "theta_net/replay/event_writer.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/replay_runner.hpp"

namespace theta_net::session::testing {

class RecordedStreams {
 public:
  ~RecordedStreams() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Opens server.jsonl and inputs.jsonl with `header` (its role set for each); false on failure.
  bool open(const std::string& prefix, replay::StreamHeader header) {
    dir_ = std::filesystem::temp_directory_path() /
           str_cat(prefix, ::getpid(), "_",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    header.role = "server";
    auto events = replay::EventWriter::open(path("server.jsonl"), header);
    header.role = "inputs";
    auto inputs = replay::EventWriter::open(path("inputs.jsonl"), header);
    if (!events.ok() || !inputs.ok()) return false;
    events_ = std::make_unique<replay::EventWriter>(std::move(*events));
    inputs_ = std::make_unique<replay::EventWriter>(std::move(*inputs));
    return true;
  }

  replay::EventWriter* events() { return events_.get(); }
  replay::EventWriter* inputs() { return inputs_.get(); }
  std::string path(const char* name) const { return (dir_ / name).string(); }

  // Ends the game's streams and returns the server's.
  std::string finish(GameServer& server) {
    server.world().finish();
    EXPECT_TRUE(events_->close().ok());
    EXPECT_TRUE(inputs_->close().ok());
    std::ifstream in(dir_ / "server.jsonl", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // The server stream the input log replays into.
  std::string replayed() const {
    auto header = server_header_for_replay(path("inputs.jsonl"));
    EXPECT_TRUE(header.ok());
    auto writer = replay::EventWriter::to_memory(*header);
    EXPECT_TRUE(writer.ok());
    auto summary = replay_input_log(path("inputs.jsonl"), *writer);
    EXPECT_TRUE(summary.ok()) << summary.error().describe();
    return writer->take();
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<replay::EventWriter> events_, inputs_;
};

}  // namespace theta_net::session::testing
