// JsonWriter: the one writer of JSON text in theta_net. Replay's canonical JSON (replay/
// json_value.hpp) and the JSON view of wire messages (protocol/message_json.hpp) both write
// through it, so strings are escaped and separators placed by one rule:
//  - no spaces; members and elements separated by ',', keys by ':';
//  - strings escaped as Python's json.dumps(ensure_ascii=False) does: \" \\ \b \f \n \r \t, \u00XX
//    (lower-case hex) for the other control bytes, every other byte as it is (the caller checks
//    UTF-8 where the text comes from outside: core/utf8.hpp);
//  - two forms of non-integer numbers, because the two users promise different things:
//    number() writes a double as Python's repr() does ("2.0", "1e-05"), which is what makes
//    replay streams byte-identical to the ones Python tools write; shortest_number() writes the
//    shortest digits that read back to the same value of the number's own type (std::to_chars:
//    "2", "0.1" for the float 0.1f), which is what message JSON documents for float32 fields.
// The writer does not check that begin/end calls pair up or that keys appear only in objects;
// its callers are generated from a structure that cannot get that wrong.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>

namespace theta_net {

// Appends text as a JSON string (quotes and escapes as above).
void append_json_string(std::string& out, std::string_view text);

// Appends a finite double the way Python's repr() writes it: the shortest digits that read back
// to the same double; fixed notation with at least one digit after the point when the decimal
// exponent is in [-4, 16), scientific ("1e-05", "1.5e+16") otherwise.
void append_json_double(std::string& out, double value);

class JsonWriter {
 public:
  // Appends to out, which may already hold text (one writer per value).
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // An object member's key; the member's value is the next thing written.
  void key(std::string_view name) {
    separate();
    append_json_string(out_, name);
    out_ += ':';
    first_ = true;
  }

  // A key already in JSON form, quotes and escapes included (a writer that repeats the same keys
  // thousands of times makes their text once).
  void quoted_key(std::string_view quoted) {
    separate();
    out_ += quoted;
    out_ += ':';
    first_ = true;
  }

  void null() { scalar("null"); }
  void boolean(bool b) { scalar(b ? "true" : "false"); }
  void string(std::string_view text) {
    separate();
    append_json_string(out_, text);
  }
  template <std::integral I>
  void integer(I value) {
    shortest_chars(value);
  }
  // A finite double in Python's repr() form (the canonical form of replay streams).
  void number(double value) {
    separate();
    append_json_double(out_, value);
  }
  // A value that is already one JSON value's text (made by another writer), copied as it is.
  void raw(std::string_view json) {
    separate();
    out_ += json;
  }
  // A float or double in the shortest digits of its own type (std::to_chars).
  template <std::floating_point F>
  void shortest_number(F value) {
    shortest_chars(value);
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void open(char bracket) {
    separate();
    out_ += bracket;
    first_ = true;
  }
  void close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  // std::to_chars: an integer's digits, a float's shortest round-trip form.
  template <class N>
  void shortest_chars(N value) {
    separate();
    char buf[40];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
  }
  void scalar(std::string_view text) {
    separate();
    out_ += text;
  }

  std::string& out_;
  bool first_ = true;  // nothing written yet in the current object or array (or after a key)
};

}  // namespace theta_net
