// The command log as a file: what a server saves and what a replay reads (docs/collaboration.md).
//
//   file   = header record*
//   header = the 24 bytes "theta_net command log 1\n"
//   record = varint n, then n bytes: the CommandLogEntry's message body (msgpack, as on the wire,
//            index included), then varint version (LoggedCommand::version)
//
// Records are in index order, each one more than the one before, and their versions never go
// down. A file is complete after any whole record, so a writer appends record by record
// (CommandLogFileWriter, a CommandLog's on_append sink) and a file cut short loses only its
// last, partial, record (which the decoder reports).
//
// Decoding is a border: the header, every length (before anything is allocated), the entry body
// (the message codec's checks), the index order and the versions are checked, and the entry
// count is bounded; an error names the record and its offset.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/collab/command_log.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::collab {

inline constexpr std::string_view kCommandLogHeader = "theta_net command log 1\n";
// The largest record body taken: a CommandLogEntry with a full 64 KiB payload is under it.
inline constexpr std::size_t kMaxLogRecordBody = 65536 + 1024;

struct CommandLogFileLimits {
  std::size_t max_entries = 1u << 22;
  std::size_t max_file_bytes = std::size_t{1} << 32;  // read_command_log_file
};

// Appends one record.
// Errors: those of protocol::encode_body (an entry over its schema limits; `out` is unchanged).
Status encode_log_record(const LoggedCommand& command, Bytes& out);
// The header and a record for each command.
// Errors: those of encode_log_record.
Result<Bytes> encode_command_log(const std::vector<LoggedCommand>& commands);

// Decodes a whole file.
// Errors: kCorrupt (a wrong header, an index of 0 or not one more than the record before, a
// version lower than the record before, a non-canonical varint), kTruncated (the file ends inside
// the header or a record), kLimitExceeded (a record body over kMaxLogRecordBody, more records
// than max_entries), kOverflow (a varint over 64 bits), and those of protocol::decode_body (a
// record body that is no CommandLogEntry).
Result<std::vector<LoggedCommand>> decode_command_log(ByteSpan file,
                                                      CommandLogFileLimits limits = {});

// Reads and decodes a file.
// Errors: kIo (the file cannot be opened or read), kLimitExceeded (a file over max_file_bytes),
// and those of decode_command_log.
Result<std::vector<LoggedCommand>> read_command_log_file(const std::string& path,
                                                         CommandLogFileLimits limits = {});

// Appends records to a log file as they come (a CommandLog's on_append sink: the file then holds
// every entry, whatever the log keeps in memory).
class CommandLogFileWriter {
 public:
  // Creates the file (with its header), or opens an existing one to append to it.
  // Errors: kIo (the file cannot be opened or written), kCorrupt (an existing file that does not
  // start with the header).
  static Result<CommandLogFileWriter> open(const std::string& path);

  // Appends one record and flushes it to the operating system.
  // Errors: kIo (the write fails), and those of encode_log_record.
  Status append(const LoggedCommand& command);
  // A sink for CommandLog that appends each entry; write errors are counted in failures().
  CommandLogSink sink();
  std::uint64_t failures() const { return *failures_; }

 private:
  struct FileClose {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::shared_ptr<std::FILE> file_;
  std::shared_ptr<std::uint64_t> failures_;
};

}  // namespace theta_net::collab
