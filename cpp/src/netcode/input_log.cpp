#include "theta_net/netcode/input_log.hpp"

#include <limits>

#include "theta_net/core/sha256.hpp"

namespace theta_net::netcode {
namespace {

using replay::JsonValue;

// An application's record may not take a kind the log itself uses.
// Errors: kInvalidArgument (input, join, leave, end or header).
Status check_application_kind(std::string_view kind) {
  if (kind == "input" || kind == "join" || kind == "leave" || kind == "end" || kind == "header") {
    return make_error(ErrorCode::kInvalidArgument, "'", kind,
                      "' is a record of the input log itself, not an application's");
  }
  return {};
}

// The "input" object of a record: each field by name, a quaternion as its four codes.
JsonValue codes_json(const InputSchema& schema, std::span<const std::int64_t> codes) {
  replay::JsonObject fields;
  const auto& descriptors = schema.type().fields();
  for (std::size_t f = 0; f < descriptors.size(); ++f) {
    const auto slot = static_cast<std::size_t>(schema.type().slot_of(f));
    if (descriptors[f].slots() == 1) {
      fields.emplace_back(descriptors[f].name, codes[slot]);
    } else {
      replay::JsonArray parts;
      for (int i = 0; i < descriptors[f].slots(); ++i) parts.emplace_back(codes[slot + i]);
      fields.emplace_back(descriptors[f].name, std::move(parts));
    }
  }
  return fields;
}

}  // namespace

JsonValue input_schema_json(const InputSchema& schema) {
  return JsonValue::object({{"name", schema.name()}, {"layout", to_hex(schema.type().layout())}});
}

// ---------------------------------------------------------------------------------- the writer

InputLogWriter::InputLogWriter(const InputSchema& schema, replay::EventWriter writer)
    : schema_(std::make_shared<const InputSchema>(schema)),
      writer_(std::make_unique<replay::EventWriter>(std::move(writer))) {}

replay::StreamHeader InputLogWriter::with_schema(const InputSchema& schema,
                                                 replay::StreamHeader header) {
  header.role = std::string(kInputLogRole);
  std::erase_if(header.extra, [](const auto& m) { return m.first == "input_schema"; });
  header.extra.emplace_back("input_schema", input_schema_json(schema));
  return header;
}

Result<InputLogWriter> InputLogWriter::open(const std::string& path, const InputSchema& schema,
                                            replay::StreamHeader header) {
  THETA_TRY_ASSIGN(auto writer,
                   replay::EventWriter::open(path, with_schema(schema, std::move(header))));
  return InputLogWriter(schema, std::move(writer));
}

Result<InputLogWriter> InputLogWriter::to_memory(const InputSchema& schema,
                                                 replay::StreamHeader header) {
  THETA_TRY_ASSIGN(auto writer,
                   replay::EventWriter::to_memory(with_schema(schema, std::move(header))));
  return InputLogWriter(schema, std::move(writer));
}

Status InputLogWriter::join(std::uint32_t tick, std::uint64_t entity, std::string_view name) {
  return writer_->write(replay::Event(tick, "join").entity(entity).set("name", name));
}

Status InputLogWriter::leave(std::uint32_t tick, std::uint64_t entity, std::string_view detail) {
  return writer_->write(replay::Event(tick, "leave").entity(entity).set("detail", detail));
}

Status InputLogWriter::input(std::uint32_t tick, std::uint64_t entity,
                             std::span<const std::int64_t> codes) {
  if (codes.size() != schema_->slots()) {
    return make_error(ErrorCode::kInvalidArgument, "an input of ", schema_->name(), " has ",
                      schema_->slots(), " codes, not ", codes.size());
  }
  THETA_TRY(schema_->type().check_codes(codes));
  THETA_TRY(writer_->write(
      replay::Event(tick, "input").entity(entity).set("input", codes_json(*schema_, codes))));
  ++inputs_;
  return {};
}

Status InputLogWriter::record(const replay::Event& event) {
  THETA_TRY(check_application_kind(event.kind()));
  return writer_->write(event);
}

Status InputLogWriter::record(const replay::JsonValue& event) {
  // A missing or mistyped kind is the event writer's to refuse.
  const JsonValue* kind = event.find("kind");
  if (kind && kind->is_string()) THETA_TRY(check_application_kind(kind->as_string()));
  return writer_->write(event);
}

Status InputLogWriter::end(std::uint32_t tick) {
  THETA_TRY(writer_->write(replay::Event(tick, "end")));
  return writer_->close();
}

// ---------------------------------------------------------------------------------- the reader

InputLogReader::InputLogReader(replay::EventReader reader, replay::StreamHeader header,
                               const InputSchema& schema)
    : reader_(std::move(reader)),
      header_(std::move(header)),
      schema_(std::make_shared<const InputSchema>(schema)) {}

Result<InputLogReader> InputLogReader::start(replay::EventReader reader,
                                             const InputSchema& schema) {
  THETA_TRY_ASSIGN(auto header, replay::StreamHeader::from_json(reader.header()));
  if (header.role != kInputLogRole) {
    return make_error(ErrorCode::kInvalidArgument, reader.name(), " is a '", header.role,
                      "' stream, not an input log");
  }
  const JsonValue* written = reader.header().find("input_schema");
  if (!written) {
    return make_error(ErrorCode::kInvalidArgument, reader.name(),
                      " has no input_schema: it is not a log of an application's inputs (the "
                      "reference game's input log replays with replay_input_log)");
  }
  const JsonValue expected = input_schema_json(schema);
  if (!(*written == expected)) {
    const JsonValue* name = written->find("name");
    return make_error(
        ErrorCode::kInvalidArgument, reader.name(), " was written for the input schema ",
        name && name->is_string() ? "'" + name->as_string() + "'" : "(unnamed)",
        ", not this build's '", schema.name(), "' (the names or the fields' layouts differ)");
  }
  return InputLogReader(std::move(reader), std::move(header), schema);
}

Result<InputLogReader> InputLogReader::open(const std::string& path, const InputSchema& schema,
                                            const replay::ReaderLimits& limits) {
  THETA_TRY_ASSIGN(auto reader, replay::EventReader::open(path, limits));
  return start(std::move(reader), schema);
}

Result<InputLogReader> InputLogReader::from_memory(std::string name, std::string_view text,
                                                   const InputSchema& schema,
                                                   const replay::ReaderLimits& limits) {
  THETA_TRY_ASSIGN(auto reader, replay::EventReader::from_memory(std::move(name), text, limits));
  return start(std::move(reader), schema);
}

Status InputLogReader::corrupt(std::string_view what) const {
  return make_error(ErrorCode::kCorrupt, reader_.name(), ":", reader_.line_number(), ": ", what);
}

Result<bool> InputLogReader::next(InputLogRecord& record) {
  JsonValue event;
  THETA_TRY_ASSIGN(bool more, reader_.next(event));
  if (!more) return false;
  if (ended_) return corrupt("a record after the log's end").error();
  const JsonValue* tick = event.find("tick");
  if (tick->type() != JsonValue::Type::kInt ||
      tick->as_int() > std::numeric_limits<std::uint32_t>::max()) {
    return corrupt("a tick beyond 2^32 - 1").error();
  }
  record = InputLogRecord{};
  record.tick = static_cast<std::uint32_t>(tick->as_int());
  const std::string kind = event.find("kind")->as_string();
  if (kind == "end") {
    ended_ = true;
    record.kind = InputLogRecord::Kind::kEnd;
    return true;
  }
  if (kind != "input" && kind != "join" && kind != "leave") {
    record.kind = InputLogRecord::Kind::kOther;
    record.event = std::move(event);
    return true;
  }
  const JsonValue* entity = event.find("entity");
  if (!entity || !entity->is_integer() ||
      (entity->type() == JsonValue::Type::kInt && entity->as_int() < 0)) {
    return corrupt("a " + kind + " record without a non-negative integer entity").error();
  }
  record.entity = entity->type() == JsonValue::Type::kInt
                      ? static_cast<std::uint64_t>(entity->as_int())
                      : entity->as_uint();
  if (kind != "input") {
    const char* key = kind == "join" ? "name" : "detail";
    const JsonValue* text = event.find(key);
    if (!text || !text->is_string()) {
      return corrupt(str_cat("a ", kind, " record without a string ", key)).error();
    }
    record.kind = kind == "join" ? InputLogRecord::Kind::kJoin : InputLogRecord::Kind::kLeave;
    record.text = text->as_string();
    return true;
  }
  record.kind = InputLogRecord::Kind::kInput;
  const JsonValue* input = event.find("input");
  if (!input || !input->is_object()) return corrupt("an input record without an input").error();
  const auto& descriptors = schema_->type().fields();
  if (input->as_object().size() != descriptors.size()) {
    return corrupt(str_cat("an input with ", input->as_object().size(), " fields; ",
                           schema_->name(), " has ", descriptors.size()))
        .error();
  }
  record.codes.assign(schema_->slots(), 0);
  for (std::size_t f = 0; f < descriptors.size(); ++f) {
    const auto& d = descriptors[f];
    const JsonValue* value = input->find(d.name);
    if (!value) return corrupt("an input without its field '" + d.name + "'").error();
    const auto slot = static_cast<std::size_t>(schema_->type().slot_of(f));
    const bool scalar = d.slots() == 1;
    if (!scalar && (!value->is_array() || value->as_array().size() != 4)) {
      return corrupt("input field '" + d.name + "' is not an array of 4 codes").error();
    }
    for (int i = 0; i < d.slots(); ++i) {
      const JsonValue& code = scalar ? *value : value->as_array()[static_cast<std::size_t>(i)];
      if (code.type() != JsonValue::Type::kInt) {
        return corrupt("input field '" + d.name + "' is not an integer code").error();
      }
      record.codes[slot + static_cast<std::size_t>(i)] = code.as_int();
    }
  }
  if (Status valid = schema_->type().check_codes(record.codes); !valid) {
    return corrupt(valid.error().message).error();
  }
  return true;
}

}  // namespace theta_net::netcode
