// Writing and reading event streams: the writer is deterministic and canonical; the readers are
// borders whose errors name the file and the line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "replay_test_util.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/replay/json_parser.hpp"
#include "theta_net/replay/line_reader.hpp"

namespace theta_net::replay {
namespace {

using testing::kHeader;
using testing::stream;

StreamHeader test_header() {
  StreamHeader h;
  h.protocol_version = "1.1";
  h.schema_hash = 1;
  h.world_seed = 7;
  h.scenario = "test";
  h.tick_rate = 20;
  h.role = "server";
  return h;
}

// A session's worth of varied events from a seed.
std::string write_session(std::uint64_t seed) {
  auto writer = EventWriter::to_memory(test_header());
  EXPECT_TRUE(writer.ok());
  Rng rng(seed);
  Event e(0, "move");
  for (std::int64_t tick = 1; tick <= 200; ++tick) {
    for (std::uint64_t player = 1; player <= 4; ++player) {
      e.reset(tick, "move");
      e.entity(player)
          .set("pos", JsonValue::array({rng.next_double() * 100, 64.0, -rng.next_double()}))
          .set("yaw", static_cast<std::int64_t>(rng.uniform(65536)));
      EXPECT_TRUE(writer->write(e).ok());
    }
    if (tick % 20 == 0) {
      e.reset(tick, "state_hash");
      e.set("players", hex_hash(rng.next_u64())).set("chunks", hex_hash(rng.next_u64()));
      EXPECT_TRUE(writer->write(e).ok());
    }
  }
  e.reset(201, "chat");
  e.entity(2).set("text", "gg \xf0\x9f\x8e\x89 \"quoted\"\n");
  EXPECT_TRUE(writer->write(e).ok());
  return writer->take();
}

TEST(EventWriter, WritesTheHeaderAndCanonicalLines) {
  auto writer = EventWriter::to_memory(test_header());
  ASSERT_TRUE(writer.ok());
  Event e(12, "block_edit");
  e.key("12,64,-3").set("block", "stone").set("by", 3).set("at", JsonValue::array({0.5, 1e-7}));
  ASSERT_TRUE(writer->write(e).ok());
  EXPECT_EQ(
      writer->take(),
      std::string(kHeader) + "\n" +
          R"({"at":[0.5,1e-07],"block":"stone","by":3,"key":"12,64,-3","kind":"block_edit","tick":12})"
          "\n");
  EXPECT_EQ(writer->events_written(), 1u);
}

TEST(EventWriter, IsDeterministic) {
  const std::string first = write_session(99);
  EXPECT_EQ(first, write_session(99));
  EXPECT_NE(first, write_session(100));
  // What it writes reads back, event for event.
  auto reader = EventReader::from_memory("session.jsonl", first);
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  JsonValue event;
  std::size_t n = 0;
  std::string again = std::string(kHeader) + "\n";
  for (;;) {
    auto more = reader->next(event);
    ASSERT_TRUE(more.ok()) << more.error().describe();
    if (!*more) break;
    ++n;
    ASSERT_TRUE(encode_event_line(event, again).ok());
  }
  EXPECT_EQ(n, 200u * 4 + 10 + 1);
  EXPECT_EQ(again, first);  // parse + canonical write is the identity on canonical text
}

TEST(EventWriter, RefusesBadEvents) {
  auto writer = EventWriter::to_memory(test_header());
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer->write(Event(10, "a")).ok());
  EXPECT_FALSE(writer->write(Event(9, "a")).ok());  // ticks never go back
  EXPECT_FALSE(writer->write(Event(10, "")).ok());
  EXPECT_FALSE(writer->write(Event(10, "header")).ok());
  EXPECT_FALSE(writer->write(Event(-1, "a")).ok());
  EXPECT_FALSE(writer->write(Event(10, "a").set("x", NAN)).ok());
  EXPECT_FALSE(writer->write(Event(10, "a").set("tick", 3)).ok());
  EXPECT_FALSE(writer->write(Event(10, "a").set("entity", 1.5)).ok());
  EXPECT_FALSE(writer->write(JsonValue::array({1})).ok());
  EXPECT_EQ(writer->events_written(), 1u);
  EXPECT_EQ(writer->take(), std::string(kHeader) + "\n" + R"({"kind":"a","tick":10})" + "\n");
}

TEST(EventWriter, WritesFilesInBlocks) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("theta_replay_writer_" + std::to_string(::getpid()) + ".jsonl");
  {
    auto writer = EventWriter::open(path.string(), test_header());
    ASSERT_TRUE(writer.ok()) << writer.error().describe();
    for (int tick = 0; tick < 5000; ++tick) {
      ASSERT_TRUE(writer->write(Event(tick, "tick").set("n", tick)).ok());
    }
    ASSERT_TRUE(writer->close().ok());
    EXPECT_EQ(writer->write(Event(5000, "late")).error().code, ErrorCode::kClosed);
  }
  auto reader = EventReader::open(path.string());
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  EXPECT_EQ(reader->header().find("role")->as_string(), "server");
  JsonValue event;
  int n = 0;
  while (*reader->next(event)) ++n;
  EXPECT_EQ(n, 5000);
  std::filesystem::remove(path);
  EXPECT_EQ(EventWriter::open("/nonexistent/dir/x.jsonl", test_header()).error().code,
            ErrorCode::kIo);
}

TEST(StreamHeader, RoundTripsThroughJson) {
  StreamHeader h = StreamHeader::for_this_build("lan_two_players", 42, 30, "client:alice");
  h.extra.emplace_back("note", "x");
  auto back = StreamHeader::from_json(*parse_json(*to_canonical(h.to_json())));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->schema_hash, h.schema_hash);
  EXPECT_EQ(back->protocol_version, h.protocol_version);
  EXPECT_EQ(back->role, "client:alice");
  EXPECT_EQ(back->tick_rate, 30u);
  ASSERT_EQ(back->extra.size(), 1u);
  auto v2 = parse_json(R"({"format_version":2,"kind":"header"})");
  EXPECT_EQ(StreamHeader::from_json(*v2).error().code, ErrorCode::kUnsupportedVersion);
}

// Every bad input is an error that names the file and the line.
TEST(EventReader, ErrorsNameFileAndLine) {
  struct Case {
    std::string text;
    ErrorCode code;
    std::string where;  // "name:line:"
    std::string part;
  };
  const std::string h = std::string(kHeader) + "\n";
  const std::string deep = std::string(70, '[') + std::string(70, ']');
  const Case cases[] = {
      {"", ErrorCode::kCorrupt, "s.jsonl:1:", "empty"},
      {R"({"kind":"move","tick":1})"
       "\n",
       ErrorCode::kCorrupt, "s.jsonl:1:", "not a stream header"},
      {h + R"({"kind":"a","tick":1})"
           "\n"
           R"({"kind":"a","tick":2})",
       ErrorCode::kTruncated, "s.jsonl:3:", "no final newline"},
      {h + R"({"kind":"a","tick":1)"
           "\n",
       ErrorCode::kTruncated, "s.jsonl:2:", "column"},
      {h + R"({"kind":"a","tick":1,})"
           "\n",
       ErrorCode::kCorrupt, "s.jsonl:2:", "column 22"},
      {h + R"({"kind":"a"})"
           "\n",
       ErrorCode::kCorrupt, "s.jsonl:2:", "no tick"},
      {h + R"({"tick":3})"
           "\n",
       ErrorCode::kCorrupt, "s.jsonl:2:", "no kind"},
      {h + R"({"kind":"a","tick":3})"
           "\n"
           R"({"kind":"a","tick":2})"
           "\n",
       ErrorCode::kCorrupt, "s.jsonl:3:", "sorted by tick"},
      {h + h, ErrorCode::kCorrupt, "s.jsonl:2:", "second header"},
      {h + R"({"kind":"a","tick":1,"x":)" + deep + "}\n", ErrorCode::kLimitExceeded,
       "s.jsonl:2:", "nested deeper"},
      {h + R"({"kind":"a","tick":1,"x":")" + std::string(2000, 'x') + "\"}\n",
       ErrorCode::kLimitExceeded, "s.jsonl:2:", "limit of 1024"},
      {R"({"format_version":9,"kind":"header"})"
       "\n",
       ErrorCode::kUnsupportedVersion, "s.jsonl:1:", "version 9"},
  };
  ReaderLimits limits;
  limits.max_line_bytes = 1024;
  for (const Case& c : cases) {
    auto check = [&](const Error& error, const char* reader) {
      EXPECT_EQ(error.code, c.code) << reader << ": " << error.describe();
      EXPECT_EQ(error.message.rfind(c.where, 0), 0u) << reader << ": " << error.message;
      EXPECT_NE(error.message.find(c.part), std::string::npos)
          << reader << ": " << error.message << " for " << c.text.substr(0, 120);
    };
    // The DOM reader...
    auto reader = EventReader::from_memory("s.jsonl", c.text, limits);
    Error error{ErrorCode::kState, "no error"};
    if (!reader.ok()) {
      error = reader.error();
    } else {
      JsonValue event;
      for (;;) {
        auto more = reader->next(event);
        if (!more.ok()) {
          error = more.error();
          break;
        }
        if (!*more) break;
      }
    }
    check(error, "EventReader");
    // ...and the diff, on either side.
    DiffOptions options;
    options.limits = limits;
    auto diffed = diff_event_streams(LineReader::from_memory("ok.jsonl", h, 1024),
                                     LineReader::from_memory("s.jsonl", c.text, 1024), options);
    ASSERT_FALSE(diffed.ok()) << c.text;
    check(diffed.error(), "diff");
  }
}

TEST(LineReader, KeepsPinnedLinesAcrossRefills) {
  // A file larger than the reader's buffer, read with a pinned window of lines.
  const auto path = std::filesystem::temp_directory_path() /
                    ("theta_replay_lines_" + std::to_string(::getpid()) + ".txt");
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += "line " + std::to_string(i) + std::string(i % 50, '.') + "\n";
  std::ofstream(path) << text;
  auto reader = LineReader::open(path.string(), 4096);
  ASSERT_TRUE(reader.ok());
  const std::size_t buffer = reader->buffer_bytes();
  LineRef first, line;
  int n = 0;
  while (*reader->next(line)) {
    if (n % 100 == 0) {
      first = line;
      reader->pin(line.position);
    }
    // The first line of the window is still readable after refills.
    ASSERT_EQ(reader->text(first).substr(0, 5), "line ");
    ASSERT_EQ(reader->text(line).substr(5, std::to_string(n).size()), std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 200000);
  EXPECT_EQ(reader->buffer_bytes(), buffer);  // bounded: the buffer never grew
  std::filesystem::remove(path);
  EXPECT_EQ(LineReader::open("/nonexistent.jsonl").error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace theta_net::replay
