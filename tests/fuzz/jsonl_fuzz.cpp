// Fuzzes the event-stream readers, a border: JSON lines from a file. Every input must give an
// error or a value, never a crash; and the readers must agree with each other:
//   - the scanner accepts every event line the parser accepts, finding the same tick and kind,
//     and the parser accepts every line the scanner passes with sorted keys;
//   - what the parser accepts writes canonically, and canonical text is a fixed point;
//   - the EventReader and the stream diff read the input as a whole stream, and a stream the diff
//     reads equals itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "theta_net/replay/event_line_scanner.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/json_parser.hpp"
#include "theta_net/replay/stream_diff.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::replay;

// What the parser says about a line as an event (the rules the scanner applies on its own).
bool dom_event_ok(const JsonValue& v) {
  if (!v.is_object()) return false;
  const JsonValue* tick = v.find("tick");
  const JsonValue* kind = v.find("kind");
  if (tick == nullptr || tick->type() != JsonValue::Type::kInt || tick->as_int() < 0) return false;
  if (kind == nullptr || !kind->is_string()) return false;
  for (const char* name : {"entity", "key"}) {
    const JsonValue* id = v.find(name);
    if (id != nullptr && !id->is_integer() && !id->is_string()) return false;
  }
  return true;
}

void check_line(std::string_view line) {
  JsonValue value;
  JsonParseError parse_error;
  const bool parsed = parse_json(line, value, parse_error, 16);
  EventLineFields fields;
  EventLineError scan_error;
  const bool scanned = scan_event_line(line, fields, scan_error, 16);
  const bool scanned_event = scanned && fields.has_tick && fields.has_kind;

  if (parsed && dom_event_ok(value)) {
    if (!scanned_event) std::abort();  // the scanner refused a valid event line
    if (fields.tick != value.find("tick")->as_int()) std::abort();
    if (!fields.kind_escaped && fields.kind.in(line) != value.find("kind")->as_string()) {
      std::abort();
    }
  }
  if (scanned && fields.keys_sorted && !parsed) std::abort();  // the parser refused valid JSON

  if (parsed) {
    auto canonical = to_canonical(value);
    if (!canonical.ok()) std::abort();  // whatever parses must write
    auto again = parse_json(*canonical, 16);
    if (!again.ok()) std::abort();
    auto twice = to_canonical(*again);
    if (!twice.ok() || *twice != *canonical) std::abort();  // canonical text is a fixed point
    if (value.is_object()) {
      // Canonical text of an event scans, and its keys are sorted (the scanner only doubts
      // keys with escapes).
      EventLineFields f;
      EventLineError e;
      const bool ok = scan_event_line(*canonical, f, e, 16);
      if (dom_event_ok(value) && !ok) std::abort();
      if (ok && !f.keys_sorted && canonical->find('\\') == std::string::npos) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t start = 0;
  while (start < input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    check_line(input.substr(start, end - start));
    start = end + 1;
  }

  ReaderLimits limits;
  limits.max_line_bytes = 4096;
  limits.max_depth = 16;
  limits.max_tick_events = 64;
  limits.max_tick_bytes = 8192;
  auto reader = EventReader::from_memory("fuzz.jsonl", input, limits);
  if (reader.ok()) {
    JsonValue event;
    for (;;) {
      auto more = reader->next(event);
      if (!more.ok() || !*more) break;
    }
  }

  DiffOptions options;
  options.limits = limits;
  options.ignore_fields = {"x", "a[*].b"};
  auto self =
      diff_event_streams(LineReader::from_memory("a", input, limits.max_line_bytes),
                         LineReader::from_memory("b", input, limits.max_line_bytes), options);
  if (self.ok() && !self->equal) std::abort();  // a stream differs from itself
  return 0;
}
