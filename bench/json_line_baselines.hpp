// The replay layer's own JSON line scanner and parser next to simdjson (Debian's libsimdjson-dev
// 3.0.1) on the same lines: the event lines of the benchmark's stream A, in memory, each parsed
// on its own as the stream diff does (it reads tick groups line by line, and a line that fails
// must be named). The jobs, and what each contender does for them:
//   scan  (every line of both streams, in the diff): validate the line as JSON (grammar, UTF-8,
//         numbers) and find tick, kind, entity and key. Ours: scan_event_line. simdjson DOM:
//         parse the line (full validation) and look the four fields up. simdjson On-Demand: the
//         four fields only; it validates what it visits, not the rest of the line, so it does
//         less than the job asks (a lower bound, not a replacement).
//   parse (only the lines of ticks that differ, and non-canonical lines): build a JsonValue
//         with sorted members and duplicate keys refused. Ours: parse_json. simdjson DOM: parse,
//         then build the same JsonValue from the DOM (sorting and the duplicate check included).
//   simdjson parse_many: the event lines as one document stream (the library's own way to read
//         JSON lines, in batches), full validation; with the four look-ups it does the scan job
//         (the diff would have to give up reading line by line for it), without them it is a
//         floor for any use of simdjson here.
#pragma once

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/replay/event_line_scanner.hpp"
#include "theta_net/replay/json_parser.hpp"

namespace theta_net::bench {

// A file's bytes with simdjson's padding behind them, and its lines (without '\n').
struct JsonLines {
  std::string text;  // size() = the file's size + SIMDJSON_PADDING
  std::size_t file_size = 0;
  std::vector<std::string_view> lines;

  static JsonLines load(const std::string& path, bool skip_header) {
    JsonLines out;
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    out.text = std::move(all).str();
    out.file_size = out.text.size();
    out.text.append(simdjson::SIMDJSON_PADDING, '\0');
    std::size_t start = 0;
    while (start < out.file_size) {
      std::size_t end = out.text.find('\n', start);
      if (end == std::string::npos || end > out.file_size) end = out.file_size;
      out.lines.emplace_back(out.text.data() + start, end - start);
      start = end + 1;
    }
    if (skip_header && !out.lines.empty()) out.lines.erase(out.lines.begin());
    return out;
  }
  // What simdjson may read behind a line: up to the end of the padded buffer.
  std::size_t capacity_of(std::string_view line) const {
    return static_cast<std::size_t>(text.data() + text.size() - line.data());
  }
};

// What a scan found, summed over the lines so that every contender's work is checked alike.
struct ScanTally {
  std::uint64_t lines_ok = 0;
  std::uint64_t tick_sum = 0;
  std::uint64_t field_bytes = 0;  // kind, entity and key text seen
  bool operator==(const ScanTally&) const = default;
};

inline ScanTally scan_theta(const JsonLines& in) {
  ScanTally t;
  replay::EventLineFields f;
  replay::EventLineError e;
  for (std::string_view line : in.lines) {
    f = {};
    if (!replay::scan_event_line(line, f, e)) continue;
    ++t.lines_ok;
    t.tick_sum += static_cast<std::uint64_t>(f.tick);
    t.field_bytes += f.kind.length;
    if (f.has_entity) t.field_bytes += f.entity.length;
    if (f.has_key) t.field_bytes += f.key.length;
  }
  return t;
}

// The token text of a field's value as the scanner reports it (strings with quotes for entity
// and key, without for kind), so the tallies compare.
inline std::size_t simdjson_token_length(simdjson::dom::element v, bool quoted) {
  if (v.is_string())
    return std::string_view(v.get_string().value_unsafe()).size() + (quoted ? 2 : 0);
  if (v.is_int64()) return std::to_string(v.get_int64().value_unsafe()).size();
  if (v.is_uint64()) return std::to_string(v.get_uint64().value_unsafe()).size();
  return 0;
}

// The scan job's look-ups in a parsed line.
inline void tally_fields(simdjson::dom::object obj, ScanTally& t) {
  ++t.lines_ok;
  std::int64_t tick = 0;
  if (obj["tick"].get_int64().get(tick) == simdjson::SUCCESS) t.tick_sum += tick;
  std::string_view kind;
  if (obj["kind"].get_string().get(kind) == simdjson::SUCCESS) t.field_bytes += kind.size();
  simdjson::dom::element v;
  if (obj["entity"].get(v) == simdjson::SUCCESS) t.field_bytes += simdjson_token_length(v, true);
  if (obj["key"].get(v) == simdjson::SUCCESS) t.field_bytes += simdjson_token_length(v, true);
}

inline ScanTally scan_simdjson_dom(const JsonLines& in, simdjson::dom::parser& parser) {
  ScanTally t;
  for (std::string_view line : in.lines) {
    simdjson::dom::element doc;
    if (parser.parse(line.data(), line.size(), false).get(doc) != simdjson::SUCCESS) continue;
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) continue;
    tally_fields(obj, t);
  }
  return t;
}

inline ScanTally scan_simdjson_ondemand(const JsonLines& in, simdjson::ondemand::parser& parser) {
  ScanTally t;
  for (std::string_view line : in.lines) {
    simdjson::padded_string_view view(line.data(), line.size(), in.capacity_of(line));
    simdjson::ondemand::document doc;
    if (parser.iterate(view).get(doc) != simdjson::SUCCESS) continue;
    simdjson::ondemand::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) continue;
    bool ok = true;
    std::uint64_t tick = 0, bytes = 0;
    for (auto field : obj) {  // canonical lines: keys sorted, so entity, key, kind, tick in order
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
        ok = false;
        break;
      }
      simdjson::ondemand::value value = field.value();
      if (key == "tick") {
        std::int64_t i = 0;
        ok = value.get_int64().get(i) == simdjson::SUCCESS;
        tick = static_cast<std::uint64_t>(i);
      } else if (key == "kind" || key == "entity" || key == "key") {
        std::string_view raw = value.raw_json_token();
        while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
        bytes += raw.size() - (key == "kind" ? 2 : 0);
      }
      if (!ok) break;
    }
    if (!ok) continue;
    ++t.lines_ok;
    t.tick_sum += tick;
    t.field_bytes += bytes;
  }
  return t;
}

// simdjson's DOM as our JsonValue (members sorted, duplicates refused): false where parse_json
// would refuse the value too.
inline bool to_json_value(simdjson::dom::element e, replay::JsonValue& out) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      out = nullptr;
      return true;
    case element_type::BOOL:
      out = e.get_bool().value_unsafe();
      return true;
    case element_type::INT64:
      out = e.get_int64().value_unsafe();
      return true;
    case element_type::UINT64:
      out = e.get_uint64().value_unsafe();
      return true;
    case element_type::DOUBLE:
      out = e.get_double().value_unsafe();
      return true;
    case element_type::STRING:
      out = std::string_view(e.get_string().value_unsafe());
      return true;
    case element_type::ARRAY: {
      replay::JsonArray items;
      const simdjson::dom::array array = e.get_array().value_unsafe();
      for (simdjson::dom::element item : array) {
        items.emplace_back();
        if (!to_json_value(item, items.back())) return false;
      }
      out = std::move(items);
      return true;
    }
    case element_type::OBJECT: {
      replay::JsonObject members;
      const simdjson::dom::object object = e.get_object().value_unsafe();
      for (auto [key, value] : object) {
        members.emplace_back(std::string(key), replay::JsonValue());
        if (!to_json_value(value, members.back().second)) return false;
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (std::size_t i = 1; i < members.size(); ++i) {
        if (members[i].first == members[i - 1].first) return false;
      }
      out = std::move(members);
      return true;
    }
  }
  return false;
}

inline std::uint64_t parse_theta(const JsonLines& in) {
  std::uint64_t ok = 0;
  replay::JsonValue value;
  replay::JsonParseError error;
  for (std::string_view line : in.lines) ok += replay::parse_json(line, value, error) ? 1 : 0;
  return ok;
}

inline std::uint64_t parse_simdjson_dom(const JsonLines& in, simdjson::dom::parser& parser) {
  std::uint64_t ok = 0;
  replay::JsonValue value;
  for (std::string_view line : in.lines) {
    simdjson::dom::element doc;
    if (parser.parse(line.data(), line.size(), false).get(doc) != simdjson::SUCCESS) continue;
    ok += to_json_value(doc, value) ? 1 : 0;
  }
  return ok;
}

// Whether both parsers give the same value for every n-th line (checked outside the timing).
inline bool parsers_agree(const JsonLines& in, simdjson::dom::parser& parser, std::size_t every) {
  for (std::size_t i = 0; i < in.lines.size(); i += every) {
    const std::string_view line = in.lines[i];
    auto ours = replay::parse_json(line);
    simdjson::dom::element doc;
    replay::JsonValue theirs;
    if (!ours.ok() || parser.parse(line.data(), line.size(), false).get(doc) != simdjson::SUCCESS ||
        !to_json_value(doc, theirs) || !(*ours == theirs)) {
      return false;
    }
  }
  return true;
}

// The event lines as one text (from the first event line to the end of the file).
inline std::string_view event_text(const JsonLines& in) {
  if (in.lines.empty()) return {};
  const std::size_t offset = static_cast<std::size_t>(in.lines.front().data() - in.text.data());
  return std::string_view(in.lines.front().data(), in.file_size - offset);
}

inline std::uint64_t parse_many_simdjson(const JsonLines& in, simdjson::dom::parser& parser) {
  std::uint64_t ok = 0;
  const std::string_view text = event_text(in);
  simdjson::dom::document_stream docs;
  if (parser.parse_many(text.data(), text.size(), simdjson::dom::DEFAULT_BATCH_SIZE).get(docs) !=
      simdjson::SUCCESS) {
    return 0;
  }
  for (auto doc : docs) ok += doc.error() == simdjson::SUCCESS ? 1 : 0;
  return ok;
}

// The scan job done the simdjson way: the lines as one document stream, then the look-ups.
inline ScanTally scan_simdjson_parse_many(const JsonLines& in, simdjson::dom::parser& parser) {
  ScanTally t;
  const std::string_view text = event_text(in);
  simdjson::dom::document_stream docs;
  if (parser.parse_many(text.data(), text.size(), simdjson::dom::DEFAULT_BATCH_SIZE).get(docs) !=
      simdjson::SUCCESS) {
    return t;
  }
  for (auto doc : docs) {
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) continue;
    tally_fields(obj, t);
  }
  return t;
}

}  // namespace theta_net::bench
