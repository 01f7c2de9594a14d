#include "theta_net/collab/command_log_file.hpp"

#include "theta_net/core/varint.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::collab {
namespace {

ByteSpan header_bytes() {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(kCommandLogHeader.data()),
                  kCommandLogHeader.size());
}

}  // namespace

Status encode_log_record(const LoggedCommand& command, Bytes& out) {
  Bytes body;
  THETA_TRY(protocol::encode_body(command.entry, body));
  ByteWriter w(out);
  write_varint(w, body.size());
  w.bytes(body);
  write_varint(w, command.version);
  return {};
}

Result<Bytes> encode_command_log(const std::vector<LoggedCommand>& commands) {
  Bytes out(header_bytes().begin(), header_bytes().end());
  for (const LoggedCommand& c : commands) THETA_TRY(encode_log_record(c, out));
  return out;
}

Result<std::vector<LoggedCommand>> decode_command_log(ByteSpan file, CommandLogFileLimits limits) {
  ByteReader in(file);
  THETA_TRY_ASSIGN(const ByteSpan header, in.bytes(kCommandLogHeader.size(), "log header"));
  if (!std::equal(header.begin(), header.end(), header_bytes().begin())) {
    return make_error(ErrorCode::kCorrupt, "not a theta_net command log (its first ",
                      kCommandLogHeader.size(), " bytes are not the header)");
  }
  std::vector<LoggedCommand> out;
  while (!in.empty()) {
    const std::size_t at = in.offset();
    const std::size_t record = out.size() + 1;
    if (out.size() >= limits.max_entries) {
      return make_error(ErrorCode::kLimitExceeded, "record ", record, " at offset ", at,
                        ": more than ", limits.max_entries, " records");
    }
    auto length = read_varint(in, "record length");
    if (!length.ok()) {
      return make_error(length.error().code, "record ", record, ": ", length.error().message);
    }
    if (*length > kMaxLogRecordBody) {
      return make_error(ErrorCode::kLimitExceeded, "record ", record, " at offset ", at,
                        ": a body of ", *length, " bytes; at most ", kMaxLogRecordBody,
                        " are taken");
    }
    auto body = in.bytes(static_cast<std::size_t>(*length), "record body");
    if (!body.ok()) {
      return make_error(body.error().code, "record ", record, ": ", body.error().message);
    }
    auto entry = protocol::decode_body<protocol::CommandLogEntry>(*body);
    if (!entry.ok()) {
      return make_error(entry.error().code, "record ", record, " at offset ", at, ": ",
                        entry.error().message);
    }
    auto version = read_varint(in, "record version");
    if (!version.ok()) {
      return make_error(version.error().code, "record ", record, ": ", version.error().message);
    }
    const std::uint64_t index = entry->index;
    if (index == 0 || (!out.empty() && index != out.back().entry.index + 1)) {
      return make_error(
          ErrorCode::kCorrupt, "record ", record, " at offset ", at, " has index ", index,
          "; expected ",
          out.empty() ? std::string("one from 1") : str_cat(out.back().entry.index + 1));
    }
    if (!out.empty() && *version < out.back().version) {
      return make_error(ErrorCode::kCorrupt, "record ", record, " at offset ", at, " has version ",
                        *version, ", below the version ", out.back().version, " before it");
    }
    out.push_back(LoggedCommand{std::move(entry).value(), *version});
  }
  return out;
}

Result<std::vector<LoggedCommand>> read_command_log_file(const std::string& path,
                                                         CommandLogFileLimits limits) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error(ErrorCode::kIo, "cannot open the command log ", path);
  Bytes data;
  std::uint8_t chunk[65536];
  while (true) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    if (data.size() + n > limits.max_file_bytes) {
      return make_error(ErrorCode::kLimitExceeded, "the command log ", path, " is over ",
                        limits.max_file_bytes, " bytes");
    }
    data.insert(data.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) return make_error(ErrorCode::kIo, "cannot read the command log ", path);
  return decode_command_log(data, limits);
}

Result<CommandLogFileWriter> CommandLogFileWriter::open(const std::string& path) {
  CommandLogFileWriter writer;
  std::FILE* raw = std::fopen(path.c_str(), "a+b");
  if (!raw) return make_error(ErrorCode::kIo, "cannot open the command log ", path);
  writer.file_ = std::shared_ptr<std::FILE>(raw, FileClose{});
  writer.failures_ = std::make_shared<std::uint64_t>(0);
  std::fseek(raw, 0, SEEK_END);
  if (std::ftell(raw) == 0) {
    if (std::fwrite(kCommandLogHeader.data(), 1, kCommandLogHeader.size(), raw) !=
            kCommandLogHeader.size() ||
        std::fflush(raw) != 0) {
      return make_error(ErrorCode::kIo, "cannot write the command log ", path);
    }
    return writer;
  }
  std::fseek(raw, 0, SEEK_SET);
  char header[kCommandLogHeader.size()];
  if (std::fread(header, 1, sizeof header, raw) != sizeof header ||
      std::string_view(header, sizeof header) != kCommandLogHeader) {
    return make_error(ErrorCode::kCorrupt, path,
                      " exists and is not a theta_net command log (no header)");
  }
  std::fseek(raw, 0, SEEK_END);
  return writer;
}

Status CommandLogFileWriter::append(const LoggedCommand& command) {
  Bytes record;
  THETA_TRY(encode_log_record(command, record));
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size() ||
      std::fflush(file_.get()) != 0) {
    return make_error(ErrorCode::kIo, "cannot append record ", command.entry.index,
                      " to the command log");
  }
  return {};
}

CommandLogSink CommandLogFileWriter::sink() {
  return [writer = *this](const LoggedCommand& command) mutable {
    if (!writer.append(command).ok()) ++*writer.failures_;
  };
}

}  // namespace theta_net::collab
