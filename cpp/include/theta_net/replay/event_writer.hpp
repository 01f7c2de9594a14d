// EventWriter: writes a canonical event stream (docs/replay.md): the header line, then one line
// per event, each the canonical JSON of the event (sorted keys, no spaces, Python-repr floats)
// and '\n'. The same header and events always give the same bytes. Lines are built in memory
// (to_memory + take(): sans-I/O, the caller moves the bytes); open() adds a file that receives
// them in 64 KiB blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/event.hpp"
#include "theta_net/replay/stream_header.hpp"

namespace theta_net::replay {

// The canonical line of one event (with its '\n') appended to out. The event must be an object
// with an integer tick >= 0 and a non-empty string kind other than "header"; an entity must be an
// integer or a string, a key a string or an integer; no NaN, infinity or invalid UTF-8. On error
// out is unchanged and the message names the field.
// Errors: kInvalidArgument (an event that breaks these rules), and those of append_canonical.
Status encode_event_line(const JsonValue& event, std::string& out);

class EventWriter {
 public:
  // A writer that keeps its lines in memory, the header first.
  // Errors: kUnsupportedVersion (header.format_version is not kEventStreamFormatVersion),
  // kCorrupt (header.extra holds a kind or format_version that is not a header's),
  // kInvalidArgument (a header field canonical JSON refuses: invalid UTF-8, NaN, a key twice).
  static Result<EventWriter> to_memory(const StreamHeader& header);
  // Creates (or truncates) path and writes the header to it.
  // Errors: those of from_json_header for header.to_json().
  static Result<EventWriter> open(const std::string& path, const StreamHeader& header);
  // Either kind of writer from a header given as JSON (an object; kind "header" is added).
  // Errors: kInvalidArgument (a header that is not an object, holds a tick, or that canonical
  // JSON refuses), kCorrupt (a format_version that is not an integer), kUnsupportedVersion (a
  // format_version other than kEventStreamFormatVersion), kIo (the file cannot be created).
  static Result<EventWriter> from_json_header(const JsonValue& header, const std::string* path);

  EventWriter(EventWriter&&) noexcept;
  EventWriter& operator=(EventWriter&&) noexcept;
  ~EventWriter();  // a file writer flushes and closes; call close() to see its errors

  // Appends one event. Ticks must not decrease (a stream is sorted by tick; the diff relies on
  // it). A refused event writes nothing.
  // Errors: kClosed (the writer is closed), kInvalidArgument (an Event whose status() is an
  // error, a tick smaller than the one before), those of encode_event_line, and for a file
  // writer those of flush (64 KiB are handed to the file at a time).
  Status write(const Event& event);
  Status write(const JsonValue& event);

  // A file writer: hands the buffered lines to the file (a memory writer: nothing to do).
  // Errors: kIo (writing the file fails; the unwritten lines stay buffered).
  Status flush();
  // Flushes and closes the file; later writes fail with kClosed.
  // Errors: kIo (writing or closing the file fails).
  Status close();

  // A memory writer's bytes not yet taken (the header first).
  std::string take();
  const std::string& buffered() const { return buffer_; }

  std::uint64_t events_written() const { return events_; }

 private:
  struct File;
  EventWriter();
  // Writes the header line into the buffer.
  // Errors: those of check_header and of append_canonical.
  Status start(const JsonValue& header);

  std::unique_ptr<File> file_;  // null for a memory writer
  std::string buffer_;
  std::uint64_t events_ = 0;
  std::int64_t last_tick_ = 0;
  bool closed_ = false;
};

}  // namespace theta_net::replay
