// LineReader: the lines of a JSONL file (or of text in memory), read in large blocks into one
// buffer so memory stays bounded by the longest line plus what the caller pins, never by the file
// size. A line must end with '\n': a file that ends mid-line is truncated (a writer that crashed).
// Errors name the file and the line: "server.jsonl:12: ...".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "theta_net/core/result.hpp"

namespace theta_net::replay {

// Where a line is: its byte position in the input (stable while the buffer moves) and number.
struct LineRef {
  std::uint64_t position = 0;
  std::uint32_t length = 0;  // without the '\n'
  std::uint64_t number = 0;  // 1-based
};

class LineReader {
 public:
  static constexpr std::size_t kDefaultMaxLineBytes = std::size_t{1} << 20;

  // Opens a file for reading.
  // Errors: kIo (the file cannot be opened, or is not a regular file).
  static Result<LineReader> open(const std::string& path,
                                 std::size_t max_line_bytes = kDefaultMaxLineBytes);
  // Reads text in place (no copy; text must outlive the reader); name is used in errors.
  static LineReader from_memory(std::string name, std::string_view text,
                                std::size_t max_line_bytes = kDefaultMaxLineBytes);

  LineReader(LineReader&&) noexcept;
  LineReader& operator=(LineReader&&) noexcept;
  ~LineReader();

  // The next line into line; false at the end of the input.
  // Errors: kTruncated (the input ends without a final '\n'), kLimitExceeded (a line longer than
  // max_line_bytes), kIo (reading the file fails).
  Result<bool> next(LineRef& line);

  // The text of a line returned earlier. Valid until the next call to next(), and across it too
  // for lines at or after the pinned position.
  std::string_view text(const LineRef& line) const;
  // Bytes from position on are kept while the caller holds them (a window of lines); pin(0) is
  // never needed: unpinned, a refill keeps only the line being read.
  void pin(std::uint64_t position) {
    pinned_ = position;
    has_pin_ = true;
  }
  void unpin() { has_pin_ = false; }
  // The buffer address of position, for callers that hold a pinned range of bytes.
  const char* data_at(std::uint64_t position) const;

  const std::string& name() const { return name_; }
  std::uint64_t lines_read() const { return line_number_; }
  // The buffer's capacity: what the reader holds in memory.
  std::size_t buffer_bytes() const { return capacity_; }

  // An error located at a line of this input: "<name>:<line>: <message>".
  template <class... Parts>
  Error error_at(std::uint64_t line, ErrorCode code, const Parts&... parts) const {
    return make_error(code, name_, ":", line, ": ", parts...);
  }

 private:
  struct File;
  LineReader(std::string name, std::size_t max_line_bytes);
  // Reads the next block of the file, keeping the unread and pinned bytes.
  // Errors: kIo (reading the file fails).
  Status refill();

  std::string name_;
  std::size_t max_line_bytes_;
  std::unique_ptr<File> file_;  // null for text in memory
  std::unique_ptr<char[]> storage_;
  const char* data_ = nullptr;       // storage_ for a file, the text for memory
  std::size_t capacity_ = 0;         // of storage_
  std::size_t size_ = 0;             // valid bytes at data_
  std::uint64_t data_position_ = 0;  // input position of data_[0]
  std::size_t cursor_ = 0;           // offset of the next unread byte
  std::size_t scan_from_ = 0;        // where to look for the next '\n' (avoids rescanning)
  std::uint64_t pinned_ = 0;
  bool has_pin_ = false;
  bool at_eof_ = false;
  std::uint64_t line_number_ = 0;
};

}  // namespace theta_net::replay
