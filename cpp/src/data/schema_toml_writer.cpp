// DataSchema::to_toml: the canonical TOML of a schema, written by hand so that equal schemas
// give equal text (toml++'s own writer orders keys alphabetically and lays out arrays of tables
// its own way). Every number is written so that it reads back as the same value: integers as
// they are, doubles in their shortest round-trip form, fixed and float values from their codes.
#include <charconv>
#include <string>

#include "theta_net/core/utf8.hpp"
#include "theta_net/data/data_schema.hpp"

namespace theta_net::data {
namespace {

void put_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// The shortest text that reads back as the same double, always a TOML float.
void put_real(std::string& out, double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void put_element(std::string& out, const FieldSpec& field, const Value& value) {
  switch (field.type) {
    case FieldType::kBool:
      out += std::get<std::int64_t>(value) != 0 ? "true" : "false";
      break;
    case FieldType::kInt:
      out += std::to_string(std::get<std::int64_t>(value));
      break;
    case FieldType::kEnum:
      put_string(out, field.enum_values[static_cast<std::size_t>(std::get<std::int64_t>(value))]);
      break;
    case FieldType::kFixed:
    case FieldType::kFloat:
      put_real(out, field.code_to_units(std::get<std::int64_t>(value)));
      break;
    case FieldType::kF64:
      put_real(out, std::get<double>(value));
      break;
    case FieldType::kString:
      put_string(out, std::get<std::string>(value));
      break;
    case FieldType::kBytes: {
      const auto& bytes = std::get<std::string>(value);
      if (is_valid_utf8(bytes)) {
        put_string(out, bytes);
        break;
      }
      out += '[';
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i != 0) out += ", ";
        out += std::to_string(static_cast<unsigned char>(bytes[i]));
      }
      out += ']';
      break;
    }
  }
}

void put_default(std::string& out, const FieldSpec& field) {
  if (field.count == 1) return put_element(out, field, field.default_value);
  out += '[';
  for (std::size_t i = 0; i < field.count; ++i) {
    if (i != 0) out += ", ";
    if (const auto* codes = std::get_if<std::vector<std::int64_t>>(&field.default_value)) {
      put_element(out, field, (*codes)[i]);
    } else {
      put_element(out, field, std::get<std::vector<double>>(field.default_value)[i]);
    }
  }
  out += ']';
}

void put_field(std::string& out, const FieldSpec& field, std::uint16_t major) {
  out += "  { name = ";
  put_string(out, field.name);
  out += ", type = ";
  put_string(out, field_type_name(field.type));
  switch (field.type) {
    case FieldType::kInt:
      out += str_cat(", min = ", field.min, ", max = ", field.max);
      break;
    case FieldType::kFixed:
      out += ", min = ";
      put_real(out, field.code_to_units(field.min));
      out += ", max = ";
      put_real(out, field.code_to_units(field.max));
      out += str_cat(", frac_bits = ", field.bits);
      break;
    case FieldType::kFloat:
      out += ", min = ";
      put_real(out, field.float_min);
      out += ", max = ";
      put_real(out, field.float_max);
      out += str_cat(", bits = ", field.bits);
      break;
    case FieldType::kEnum:
      out += ", values = [";
      for (std::size_t i = 0; i < field.enum_values.size(); ++i) {
        if (i != 0) out += ", ";
        put_string(out, field.enum_values[i]);
      }
      out += ']';
      break;
    case FieldType::kString:
    case FieldType::kBytes:
      out += str_cat(", max = ", field.max_bytes);
      break;
    case FieldType::kBool:
    case FieldType::kF64:
      break;
  }
  if (field.count != 1) out += str_cat(", count = ", int{field.count});
  out += ", default = ";
  put_default(out, field);
  if (field.since_minor != 0) out += str_cat(", since = \"", major, ".", field.since_minor, "\"");
  if (field.conflict) {
    out += ", conflict = ";
    put_string(out, field.conflict->text());
  }
  if (!field.doc.empty()) {
    out += ", doc = ";
    put_string(out, field.doc);
  }
  out += " },\n";
}

}  // namespace

std::string DataSchema::to_toml() const {
  std::string out = "[schema]\nname = ";
  put_string(out, name_);
  out += str_cat("\nversion = \"", major_, ".", minor_, "\"\n");
  for (const auto& table : tables_) {
    out += "\n[[table]]\nname = ";
    put_string(out, table.name);
    out += '\n';
    if (table.spatial) {
      out += "spatial = { component = ";
      put_string(out, table.spatial->component);
      out += ", x = ";
      put_string(out, table.spatial->x);
      out += ", y = ";
      put_string(out, table.spatial->y);
      out += ", z = ";
      put_string(out, table.spatial->z);
      out += " }\n";
    }
    if (table.conflict) {
      out += "conflict = ";
      put_string(out, table.conflict->text());
      out += '\n';
    }
    for (const auto& component : table.components) {
      out += "\n[[table.component]]\nname = ";
      put_string(out, component.name);
      if (component.fields.empty()) {
        out += "\nfields = []\n";
        continue;
      }
      out += "\nfields = [\n";
      for (const auto& field : component.fields) put_field(out, field, major_);
      out += "]\n";
    }
  }
  return out;
}

}  // namespace theta_net::data
