// The input log of an application's own inputs (input_log.hpp) and its replay into an
// application's simulation (input_log_replay.hpp): what is written is read back the same, a log
// of another schema or with a bad record is refused with its line, and a replay steps every tick
// in the order the server did.
#include "theta_net/netcode/input_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/netcode/input_log_replay.hpp"

namespace theta_net::netcode {
namespace {

using replication::FieldDescriptor;

InputSchema pad() {
  return InputSchema::make("pad", {{FieldDescriptor::fixed("move_x", 8, -Fx::kOne, Fx::kOne)},
                                   {FieldDescriptor::angle("aim", 12)},
                                   {FieldDescriptor::boolean("fire"), false},
                                   {FieldDescriptor::quaternion("grip", 9)}})
      .value();
}

replay::StreamHeader header() {
  return replay::StreamHeader::for_this_build("pads", 7, 30, "server");
}

std::vector<std::int64_t> codes(std::int64_t x, std::int64_t aim, bool fire) {
  return {x, aim, fire ? 1 : 0, 0, 0, 0, 0};  // grip: the identity (largest component w, index 0)
}

// A log of two players over three ticks, one leaving after the second.
std::string two_players() {
  auto log = InputLogWriter::to_memory(pad(), header()).value();
  EXPECT_TRUE(log.join(0, 1, "ann").ok());
  EXPECT_TRUE(log.join(0, 2, "bo").ok());
  for (std::uint32_t t = 1; t <= 3; ++t) {
    EXPECT_TRUE(log.input(t, 1, codes(t * 10, t * 100, t == 2)).ok());
    if (t <= 2) {
      EXPECT_TRUE(log.input(t, 2, codes(-5, 4095, false)).ok());
    }
    if (t == 2) {
      EXPECT_TRUE(log.leave(2, 2, "closed").ok());
    }
  }
  EXPECT_TRUE(log.record(replay::Event(3, "note").set("text", "app's own")).ok());
  EXPECT_TRUE(log.end(5).ok());
  return log.take();
}

TEST(InputLog, RecordsAreCanonicalLinesWithTheSchemasFieldsByName) {
  const std::string text = two_players();
  const auto first = text.substr(0, text.find('\n'));
  EXPECT_NE(first.find("\"role\":\"inputs\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"input_schema\":{\"layout\":\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"name\":\"pad\""), std::string::npos) << first;
  EXPECT_NE(text.find("{\"entity\":1,\"input\":{\"aim\":200,\"fire\":1,\"grip\":[0,0,0,0],"
                      "\"move_x\":20},\"kind\":\"input\",\"tick\":2}\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("{\"detail\":\"closed\",\"entity\":2,\"kind\":\"leave\",\"tick\":2}\n"),
            std::string::npos);
  EXPECT_TRUE(text.ends_with("{\"kind\":\"end\",\"tick\":5}\n")) << text;
}

TEST(InputLog, WhatIsWrittenIsReadBack) {
  const std::string text = two_players();
  auto reader = InputLogReader::from_memory("pads.jsonl", text, pad()).value();
  EXPECT_EQ(reader.header().scenario, "pads");
  EXPECT_EQ(reader.header().tick_rate, 30u);
  std::vector<InputLogRecord> records;
  InputLogRecord r;
  for (;;) {
    auto more = reader.next(r);
    ASSERT_TRUE(more.ok()) << more.error().describe();
    if (!*more) break;
    records.push_back(r);
  }
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records[0].kind, InputLogRecord::Kind::kJoin);
  EXPECT_EQ(records[0].text, "ann");
  EXPECT_EQ(records[3].kind, InputLogRecord::Kind::kInput);
  EXPECT_EQ(records[3].entity, 2u);
  EXPECT_EQ(records[3].codes, codes(-5, 4095, false));
  EXPECT_EQ(records[4].codes, codes(20, 200, true));
  EXPECT_EQ(records[6].kind, InputLogRecord::Kind::kLeave);
  EXPECT_EQ(records[8].kind, InputLogRecord::Kind::kOther);
  EXPECT_EQ(records[8].event.find("text")->as_string(), "app's own");
  EXPECT_EQ(records[9].kind, InputLogRecord::Kind::kEnd);
  EXPECT_EQ(records[9].tick, 5u);
}

TEST(InputLog, TheWriterRefusesCodesItsSchemaCannotProduceAndItsOwnKinds) {
  auto log = InputLogWriter::to_memory(pad(), header()).value();
  EXPECT_EQ(log.input(1, 1, std::vector<std::int64_t>{1, 2}).error().code,
            ErrorCode::kInvalidArgument);
  const Status out = log.input(1, 1, codes(0, 4096, false));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, ErrorCode::kOutOfRange);
  EXPECT_NE(out.error().message.find("aim"), std::string::npos) << out.error().message;
  EXPECT_EQ(log.record(replay::Event(1, "input")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(log.inputs_written(), 0u);
}

// The text of a log with `line` as its one record.
std::string log_with(const std::string& line) {
  auto log = InputLogWriter::to_memory(pad(), header()).value();
  std::string text = log.take();
  return text + line + "\n";
}

Status read_all(const std::string& text, const InputSchema& schema = pad()) {
  THETA_TRY_ASSIGN(auto reader, InputLogReader::from_memory("bad.jsonl", text, schema));
  InputLogRecord r;
  for (;;) {
    THETA_TRY_ASSIGN(bool more, reader.next(r));
    if (!more) return {};
  }
}

TEST(InputLog, TheReaderRefusesABadRecordNamingItsLineAndWhatIsWrong) {
  const std::string good =
      R"({"entity":1,"input":{"aim":1,"fire":0,"grip":[0,0,0,0],"move_x":0},"kind":"input","tick":1})";
  ASSERT_TRUE(read_all(log_with(good)).ok());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"entity":1,"input":{"aim":1,"fire":0,"grip":[0,0,0,0]},"kind":"input","tick":1})",
       "3 fields"},
      {R"({"entity":1,"input":{"aim":1,"fire":0,"grip":[0,0,0,0],"move":0},"kind":"input","tick":1})",
       "without its field 'move_x'"},
      {R"({"entity":1,"input":{"aim":9999,"fire":0,"grip":[0,0,0,0],"move_x":0},"kind":"input","tick":1})",
       "aim"},
      {R"({"entity":1,"input":{"aim":1.5,"fire":0,"grip":[0,0,0,0],"move_x":0},"kind":"input","tick":1})",
       "'aim' is not an integer code"},
      {R"({"entity":1,"input":{"aim":1,"fire":0,"grip":[0,0,0],"move_x":0},"kind":"input","tick":1})",
       "'grip' is not an array of 4 codes"},
      {R"({"entity":-1,"input":{},"kind":"input","tick":1})", "non-negative integer entity"},
      {R"({"entity":1,"kind":"join","tick":1})", "without a string name"},
      {R"({"entity":1,"kind":"leave","tick":1,"detail":3})", "without a string detail"},
      {R"({"kind":"input","entity":1,"tick":4294967296})", "beyond 2^32 - 1"},
  };
  for (const auto& [line, why] : cases) {
    const Status s = read_all(log_with(line));
    ASSERT_FALSE(s.ok()) << line;
    EXPECT_EQ(s.error().code, ErrorCode::kCorrupt) << line;
    EXPECT_NE(s.error().message.find("bad.jsonl:2: "), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find(why), std::string::npos) << s.error().message;
  }
  const Status after_end = read_all(log_with(R"({"kind":"end","tick":1})"
                                             "\n"
                                             R"({"kind":"note","tick":2})"));
  ASSERT_FALSE(after_end.ok());
  EXPECT_NE(after_end.error().message.find("after the log's end"), std::string::npos);
}

TEST(InputLog, TheReaderRefusesALogOfAnotherSchemaOrAnotherKindOfStream) {
  const auto other =
      InputSchema::make("pad", {{FieldDescriptor::fixed("move_x", 6, -Fx::kOne, Fx::kOne)},
                                {FieldDescriptor::angle("aim", 12)},
                                {FieldDescriptor::boolean("fire"), false},
                                {FieldDescriptor::quaternion("grip", 9)}})
          .value();
  const Status changed = read_all(two_players(), other);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(changed.error().message.find("written for the input schema 'pad'"), std::string::npos)
      << changed.error().message;

  auto server = replay::EventWriter::to_memory(header()).value();
  const Status not_inputs = read_all(server.take());
  ASSERT_FALSE(not_inputs.ok());
  EXPECT_NE(not_inputs.error().message.find("'server' stream, not an input log"),
            std::string::npos);

  replay::StreamHeader reference = header();
  reference.role = "inputs";
  auto reference_log = replay::EventWriter::to_memory(reference).value();
  const Status no_schema = read_all(reference_log.take());
  ASSERT_FALSE(no_schema.ok());
  EXPECT_NE(no_schema.error().message.find("has no input_schema"), std::string::npos);
}

// A target that writes down what it is asked to do.
class Transcript : public InputLogTarget {
 public:
  std::vector<std::string> lines;

  Status join(std::uint32_t tick, std::uint64_t entity, const std::string& name) override {
    lines.push_back(str_cat("join ", entity, " ", name, " after ", tick));
    return {};
  }
  Status leave(std::uint32_t tick, std::uint64_t entity, const std::string& detail) override {
    lines.push_back(str_cat("leave ", entity, " ", detail, " after ", tick));
    return {};
  }
  Status step(std::uint32_t tick, std::span<const LoggedInput> inputs) override {
    std::string line = str_cat("step ", tick);
    for (const LoggedInput& in : inputs) line += str_cat(" ", in.entity, ":", in.codes[0]);
    lines.push_back(line);
    return {};
  }
  Status record(const replay::JsonValue& event) override {
    lines.push_back("record " + event.find("kind")->as_string());
    return {};
  }
};

TEST(InputLogReplay, StepsEveryTickInTheOrderTheServerDid) {
  const std::string text = two_players();
  auto reader = InputLogReader::from_memory("pads.jsonl", text, pad()).value();
  Transcript t;
  auto summary = replay_input_log(reader, t);
  ASSERT_TRUE(summary.ok()) << summary.error().describe();
  const std::vector<std::string> expected = {
      "join 1 ann after 0",     "join 2 bo after 0", "step 1 1:10 2:-5", "step 2 1:20 2:-5",
      "leave 2 closed after 2", "step 3 1:30",       "record note",      "step 4",
  };
  EXPECT_EQ(t.lines, expected);
  EXPECT_EQ(summary->ticks, 4u);
  EXPECT_EQ(summary->inputs, 5u);
  EXPECT_EQ(summary->joins, 2u);
  EXPECT_EQ(summary->leaves, 1u);
  EXPECT_TRUE(summary->ended);
}

TEST(InputLogReplay, ALogCutShortStillSimulatesItsLastTick) {
  std::string text = two_players();
  text = text.substr(0, text.find("{\"detail\":\"closed\""));  // through tick 2's inputs
  auto reader = InputLogReader::from_memory("cut.jsonl", text, pad()).value();
  Transcript t;
  auto summary = replay_input_log(reader, t);
  ASSERT_TRUE(summary.ok()) << summary.error().describe();
  EXPECT_EQ(t.lines.back(), "step 2 1:20 2:-5");
  EXPECT_FALSE(summary->ended);
}

Status replay_text(const std::string& text, std::uint32_t max_ticks = 1000) {
  THETA_TRY_ASSIGN(auto reader, InputLogReader::from_memory("bad.jsonl", text, pad()));
  Transcript t;
  InputLogReplayLimits limits;
  limits.max_ticks = max_ticks;
  THETA_TRY(replay_input_log(reader, t, limits));
  return {};
}

TEST(InputLogReplay, RefusesWhatNoServerWouldHaveLogged) {
  auto write = [](auto&& body) {
    auto log = InputLogWriter::to_memory(pad(), header()).value();
    body(log);
    return log.take();
  };
  const auto x = codes(1, 1, false);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {write([&](InputLogWriter& l) { (void)l.input(1, 3, x); }), "entity 3, which has not joined"},
      {write([&](InputLogWriter& l) {
         (void)l.join(0, 3, "c");
         (void)l.input(1, 3, x);
         (void)l.input(1, 3, x);
       }),
       "a second input of entity 3 for tick 1"},
      {write([&](InputLogWriter& l) {
         (void)l.join(0, 3, "c");
         (void)l.join(2, 3, "c");
       }),
       "entity 3 joins twice"},
      {write([&](InputLogWriter& l) { (void)l.leave(1, 3, "gone"); }), "leaves without"},
      {write([&](InputLogWriter& l) {
         (void)l.join(1, 3, "c");
         (void)l.input(1, 3, x);
       }),
       "tick 1, which was already simulated"},
  };
  for (const auto& [text, why] : cases) {
    const Status s = replay_text(text);
    ASSERT_FALSE(s.ok()) << why;
    EXPECT_EQ(s.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(s.error().message.find(why), std::string::npos) << s.error().message;
  }
  const std::vector<std::pair<std::string, std::string>> ends = {
      {write([&](InputLogWriter& l) {
         (void)l.join(0, 3, "c");
         (void)l.input(2, 3, x);
         (void)l.end(2);
       }),
       "ends at tick 2, which was already simulated"},
      {write([&](InputLogWriter& l) {
         (void)l.join(4, 3, "c");
         (void)l.end(4);
       }),
       "ends at tick 4, which was already simulated"},
  };
  for (const auto& [text, why] : ends) {
    const Status s = replay_text(text);
    ASSERT_FALSE(s.ok()) << why;
    EXPECT_NE(s.error().message.find(why), std::string::npos) << s.error().message;
  }
  const Status far = replay_text(write([](InputLogWriter& l) { (void)l.join(5000, 1, "late"); }));
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().code, ErrorCode::kLimitExceeded);
}

TEST(InputLogReplay, ALogOfExactlyTheLimitsTicksReplaysAndOneMoreDoesNot) {
  auto ending_at = [](std::uint32_t end) {
    auto log = InputLogWriter::to_memory(pad(), header()).value();
    EXPECT_TRUE(log.end(end).ok());
    return log.take();
  };
  EXPECT_TRUE(replay_text(ending_at(11), 10).ok());  // ticks 1..10 simulated
  const Status over = replay_text(ending_at(12), 10);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kLimitExceeded);
}

}  // namespace
}  // namespace theta_net::netcode
