// The input log of an application's own inputs (docs/replay.md, "Input logs of your own game"):
// what a server applied, tick by tick, in the fields of the application's InputSchema, so that a
// game's server stream can be played again from its inputs alone, on another machine or after a
// change of code, and any difference found by the stream diff.
//
// It is an event stream (JSONL, canonical, sorted by tick) whose header has role "inputs" and an
// "input_schema" field naming the schema ({"name": ..., "layout": the layout bytes in hex}); a
// reader refuses a log written for another schema. Its records, in the order the server did
// them:
//   {"kind":"input","tick":T,"entity":E,"input":{"field":code, ...}}  the input E's step at tick
//       T ran with (after the jitter buffer: a repeated or default input is logged as such); a
//       quaternion field is an array of its four codes
//   {"kind":"join","tick":T,"entity":E,"name":...}   E joined after tick T was simulated
//   {"kind":"leave","tick":T,"entity":E,"detail":...} E left after tick T was simulated
//   {"kind":"end","tick":T}                           T is the first tick not simulated
// and any record of the application's own (another kind), kept for it as it is; like a join, it
// is replayed after the tick it names was simulated.
// Codes are the fields' quantized integers (InputSchema::quantize): exactly what the step saw.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/netcode/input_schema.hpp"
#include "theta_net/replay/event.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/replay/stream_header.hpp"

namespace theta_net::netcode {

inline constexpr std::string_view kInputLogRole = "inputs";

// The header's "input_schema" value for `schema`.
replay::JsonValue input_schema_json(const InputSchema& schema);

struct InputLogRecord {
  enum class Kind : std::uint8_t { kInput, kJoin, kLeave, kEnd, kOther };
  Kind kind = Kind::kOther;
  std::uint32_t tick = 0;
  std::uint64_t entity = 0;         // input, join, leave
  std::string text;                 // join: the name; leave: the detail
  std::vector<std::int64_t> codes;  // input: schema.slots() codes, each in its field's range
  replay::JsonValue event;          // kOther: the whole record
};

class InputLogWriter {
 public:
  // A log written to `path` (created or truncated). `header` is normally
  // StreamHeader::for_this_build(scenario, seed, tick_rate, "inputs"); its role is set to
  // "inputs" and its input_schema to the schema's.
  // Errors: those of EventWriter::open.
  static Result<InputLogWriter> open(const std::string& path, const InputSchema& schema,
                                     replay::StreamHeader header);
  // A log kept in memory (take() returns it).
  // Errors: those of EventWriter::to_memory.
  static Result<InputLogWriter> to_memory(const InputSchema& schema, replay::StreamHeader header);

  // Player `entity` joined after `tick` was simulated.
  // Errors: those of EventWriter::write (kClosed after end, kIo; kInvalidArgument: a tick smaller
  // than the one before).
  Status join(std::uint32_t tick, std::uint64_t entity, std::string_view name);
  // Player `entity` left after `tick` was simulated.
  // Errors: those of EventWriter::write.
  Status leave(std::uint32_t tick, std::uint64_t entity, std::string_view detail);
  // The input `entity`'s step at `tick` ran with.
  // Errors: those of EventWriter::write; kInvalidArgument (codes of another length than
  // schema.slots()), kOutOfRange (a code its field cannot produce: names the field).
  Status input(std::uint32_t tick, std::uint64_t entity, std::span<const std::int64_t> codes);
  // A record of the application's own (its kind must not be one of the log's).
  // Errors: those of EventWriter::write; kInvalidArgument (kind input, join, leave, end or
  // header).
  Status record(const replay::Event& event);
  // The same for a record given as JSON (an object with tick and kind; the Python binding's).
  // Errors: those of EventWriter::write; kInvalidArgument (as above).
  Status record(const replay::JsonValue& event);
  // Writes the end record and closes the log (a file log: flushed and closed).
  // Errors: those of EventWriter::write (kClosed: the log has ended; kInvalidArgument: a tick
  // smaller than the one before) and of EventWriter::close.
  Status end(std::uint32_t tick);

  const InputSchema& schema() const { return *schema_; }
  // A memory log's text not yet taken (the header first).
  std::string take() { return writer_->take(); }
  std::uint64_t inputs_written() const { return inputs_; }

 private:
  InputLogWriter(const InputSchema& schema, replay::EventWriter writer);
  static replay::StreamHeader with_schema(const InputSchema& schema, replay::StreamHeader header);

  std::shared_ptr<const InputSchema> schema_;
  std::unique_ptr<replay::EventWriter> writer_;
  std::uint64_t inputs_ = 0;
};

class InputLogReader {
 public:
  // A reader of the log at `path`, its header checked against `schema`.
  // Errors: those of EventReader::open and StreamHeader::from_json; kInvalidArgument (a header
  // whose role is not "inputs", that has no input_schema, or whose input_schema is not this
  // schema's: the message names both).
  static Result<InputLogReader> open(const std::string& path, const InputSchema& schema,
                                     const replay::ReaderLimits& limits = {});
  // The same over text in memory (which must outlive the reader); name is used in errors.
  // Errors: those of EventReader::from_memory, StreamHeader::from_json; kInvalidArgument (as
  // open's).
  static Result<InputLogReader> from_memory(std::string name, std::string_view text,
                                            const InputSchema& schema,
                                            const replay::ReaderLimits& limits = {});

  const replay::StreamHeader& header() const { return header_; }
  const InputSchema& schema() const { return *schema_; }

  // The next record; false at the end of the file.
  // Errors: those of EventReader::next; kCorrupt (file:line: a record after end; a join, leave
  // or input without an integer entity; a join without a string name or a leave without a
  // string detail; an input whose "input" is not an object of exactly the schema's fields, or
  // whose code is not an integer in its field's range; a tick beyond 2^32 - 1).
  Result<bool> next(InputLogRecord& record);

  std::uint64_t line_number() const { return reader_.line_number(); }
  const std::string& name() const { return reader_.name(); }

 private:
  InputLogReader(replay::EventReader reader, replay::StreamHeader header,
                 const InputSchema& schema);
  // Checks the header of `reader` against `schema`.
  // Errors: those of open but opening the file.
  static Result<InputLogReader> start(replay::EventReader reader, const InputSchema& schema);
  // A kCorrupt error naming the file and the current line.
  // Errors: kCorrupt (always: it is the error).
  Status corrupt(std::string_view what) const;

  replay::EventReader reader_;
  replay::StreamHeader header_;
  std::shared_ptr<const InputSchema> schema_;
  bool ended_ = false;
};

}  // namespace theta_net::netcode
