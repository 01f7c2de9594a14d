#include "theta_net/data/table.hpp"

#include <algorithm>
#include <bit>

#include "theta_net/data/state_hash.hpp"

namespace theta_net::data {
namespace {

// Elements a field takes in its column per row.
std::size_t width(const FieldSpec& field) {
  return field.is_text() ? 1 : field.count;
}

// Doubles compare by bit pattern (what travels and what the digest covers), so a store and its
// replica are equal exactly when their bytes are.
bool same_reals(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  }
  return true;
}

}  // namespace

Table::Table(const TableSpec& spec) : spec_(&spec) {
  for (const auto& component : spec.components) {
    first_column_.push_back(columns_.size());
    for (const auto& field : component.fields) {
      Column column;
      column.spec = &field;
      columns_.push_back(std::move(column));
    }
  }
}

Table::Column& Table::column(std::size_t component, std::size_t field) {
  return columns_[first_column_[component] + field];
}

const Table::Column& Table::column(std::size_t component, std::size_t field) const {
  return columns_[first_column_[component] + field];
}

std::optional<std::size_t> Table::find(EntityId id) const {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<std::size_t>(it - ids_.begin());
}

Value Table::get(std::size_t row, std::size_t component, std::size_t field) const {
  const Column& col = column(component, field);
  const FieldSpec& spec = *col.spec;
  if (spec.is_text()) return col.texts[row];
  const std::size_t n = spec.count;
  if (spec.type == FieldType::kF64) {
    if (n == 1) return col.reals[row];
    return std::vector<double>(col.reals.begin() + static_cast<std::ptrdiff_t>(row * n),
                               col.reals.begin() + static_cast<std::ptrdiff_t>((row + 1) * n));
  }
  if (n == 1) return col.ints[row];
  return std::vector<std::int64_t>(col.ints.begin() + static_cast<std::ptrdiff_t>(row * n),
                                   col.ints.begin() + static_cast<std::ptrdiff_t>((row + 1) * n));
}

std::span<const std::int64_t> Table::int_column(std::size_t component, std::size_t field) const {
  return column(component, field).ints;
}

std::span<const double> Table::real_column(std::size_t component, std::size_t field) const {
  return column(component, field).reals;
}

std::span<const std::string> Table::text_column(std::size_t component, std::size_t field) const {
  return column(component, field).texts;
}

std::size_t Table::insert_row(std::size_t pos, EntityId id) {
  ids_.insert(ids_.begin() + static_cast<std::ptrdiff_t>(pos), id);
  masks_.insert(masks_.begin() + static_cast<std::ptrdiff_t>(pos), 0);
  // A new row holds every field's default: absent components always do.
  for (Column& col : columns_) {
    const FieldSpec& spec = *col.spec;
    const std::size_t n = width(spec);
    const auto at = static_cast<std::ptrdiff_t>(pos * n);
    if (spec.is_text()) {
      col.texts.insert(col.texts.begin() + at, std::get<std::string>(spec.default_value));
    } else if (spec.type == FieldType::kF64) {
      if (n == 1) {
        col.reals.insert(col.reals.begin() + at, std::get<double>(spec.default_value));
      } else {
        const auto& values = std::get<std::vector<double>>(spec.default_value);
        col.reals.insert(col.reals.begin() + at, values.begin(), values.end());
      }
    } else if (n == 1) {
      col.ints.insert(col.ints.begin() + at, std::get<std::int64_t>(spec.default_value));
    } else {
      const auto& values = std::get<std::vector<std::int64_t>>(spec.default_value);
      col.ints.insert(col.ints.begin() + at, values.begin(), values.end());
    }
  }
  return pos;
}

void Table::erase_row(std::size_t row) {
  ids_.erase(ids_.begin() + static_cast<std::ptrdiff_t>(row));
  masks_.erase(masks_.begin() + static_cast<std::ptrdiff_t>(row));
  for (Column& col : columns_) {
    const std::size_t n = width(*col.spec);
    const auto first = static_cast<std::ptrdiff_t>(row * n);
    const auto last = static_cast<std::ptrdiff_t>((row + 1) * n);
    if (!col.texts.empty()) col.texts.erase(col.texts.begin() + first, col.texts.begin() + last);
    if (!col.reals.empty()) col.reals.erase(col.reals.begin() + first, col.reals.begin() + last);
    if (!col.ints.empty()) col.ints.erase(col.ints.begin() + first, col.ints.begin() + last);
  }
}

void Table::reset_component(std::size_t row, std::size_t component) {
  const auto& fields = spec_->components[component].fields;
  for (std::size_t f = 0; f < fields.size(); ++f) {
    set_field(row, component, FieldWrite{static_cast<std::uint16_t>(f), fields[f].default_value});
  }
}

void Table::set_field(std::size_t row, std::size_t component, const FieldWrite& write) {
  Column& col = column(component, write.field);
  const FieldSpec& spec = *col.spec;
  const std::size_t n = width(spec);
  if (spec.is_text()) {
    col.texts[row] = std::get<std::string>(write.value);
  } else if (spec.type == FieldType::kF64) {
    if (n == 1) {
      col.reals[row] = std::get<double>(write.value);
    } else {
      const auto& values = std::get<std::vector<double>>(write.value);
      std::copy(values.begin(), values.end(),
                col.reals.begin() + static_cast<std::ptrdiff_t>(row * n));
    }
  } else if (n == 1) {
    col.ints[row] = std::get<std::int64_t>(write.value);
  } else {
    const auto& values = std::get<std::vector<std::int64_t>>(write.value);
    std::copy(values.begin(), values.end(),
              col.ints.begin() + static_cast<std::ptrdiff_t>(row * n));
  }
}

void Table::write_entity(std::size_t row, ByteWriter& out) const {
  write_entity_record(
      *spec_, ids_[row], masks_[row], [&](std::size_t c, std::size_t f) { return get(row, c, f); },
      out);
}

std::uint64_t Table::entity_hash(std::size_t row) const {
  thread_local Bytes record;
  record.clear();
  ByteWriter out(record);
  write_entity(row, out);
  return entity_record_hash(record);
}

bool Table::apply(const Op& op) {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), op.entity);
  const auto pos = static_cast<std::size_t>(it - ids_.begin());
  const bool exists = it != ids_.end() && *it == op.entity;
  // The entity's share of the hash goes out before the op and comes back as it is after.
  const std::uint64_t before = exists ? entity_hash(pos) : 0;
  if (!apply_at(op, pos, exists)) return false;
  const bool present = op.kind != OpKind::kRemoveEntity;
  state_hash_ += (present ? entity_hash(pos) : 0) - before;
  return true;
}

bool Table::apply_at(const Op& op, std::size_t pos, bool exists) {
  switch (op.kind) {
    case OpKind::kUpsert: {
      bool changed = !exists;
      const std::size_t row = exists ? pos : insert_row(pos, op.entity);
      for (const ComponentWrite& write : op.writes) {
        if (!has(row, write.component)) {
          masks_[row] |= std::uint64_t{1} << write.component;
          changed = true;
        }
        for (const FieldWrite& field : write.fields) {
          const Value before = get(row, write.component, field.field);
          const bool same = std::visit(
              [&](const auto& old) {
                using T = std::decay_t<decltype(old)>;
                const T& now = std::get<T>(field.value);
                if constexpr (std::is_same_v<T, double>) {
                  return std::bit_cast<std::uint64_t>(old) == std::bit_cast<std::uint64_t>(now);
                } else if constexpr (std::is_same_v<T, std::vector<double>>) {
                  return same_reals(old, now);
                } else {
                  return old == now;
                }
              },
              before);
          if (!same) {
            set_field(row, write.component, field);
            changed = true;
          }
        }
      }
      return changed;
    }
    case OpKind::kRemoveComponents: {
      if (!exists) return false;
      const std::uint64_t dropped = masks_[pos] & op.components;
      for (std::size_t c = 0; c < spec_->components.size(); ++c) {
        if ((dropped >> c) & 1) reset_component(pos, c);
      }
      masks_[pos] &= ~dropped;
      return dropped != 0;
    }
    case OpKind::kRemoveEntity:
      if (!exists) return false;
      erase_row(pos);
      return true;
  }
  return false;
}

Status Table::check_op(const Op& op) const {
  const std::size_t components = spec_->components.size();
  auto entity = [&] { return str_cat(spec_->name, " entity ", op.entity); };
  switch (op.kind) {
    case OpKind::kUpsert: {
      if (op.components != 0) {
        return make_error(ErrorCode::kInvalidArgument, entity(),
                          ": an upsert carries no remove mask");
      }
      int last_component = -1;
      for (const ComponentWrite& write : op.writes) {
        if (write.component >= components) {
          return make_error(ErrorCode::kOutOfRange, entity(), ": component ", write.component,
                            " is past the table's ", components);
        }
        if (static_cast<int>(write.component) <= last_component) {
          return make_error(ErrorCode::kInvalidArgument, entity(), ": component ", write.component,
                            " is out of order or repeated");
        }
        last_component = write.component;
        const ComponentSpec& spec = spec_->components[write.component];
        int last_field = -1;
        for (const FieldWrite& field : write.fields) {
          if (field.field >= spec.fields.size()) {
            return make_error(ErrorCode::kOutOfRange, entity(), ": field ", field.field,
                              " is past the ", spec.fields.size(), " of ", spec.name);
          }
          if (static_cast<int>(field.field) <= last_field) {
            return make_error(ErrorCode::kInvalidArgument, entity(), ": field ", field.field,
                              " of ", spec.name, " is out of order or repeated");
          }
          last_field = field.field;
          auto valid = spec.fields[field.field].check(field.value);
          if (!valid.ok()) {
            return make_error(valid.error().code, entity(), ", ", spec.name, ": ",
                              valid.error().message);
          }
        }
      }
      return {};
    }
    case OpKind::kRemoveComponents:
      if (!op.writes.empty()) {
        return make_error(ErrorCode::kInvalidArgument, entity(), ": a remove carries no writes");
      }
      if (op.components == 0) {
        return make_error(ErrorCode::kInvalidArgument, entity(), ": a remove of no components");
      }
      if (components < 64 && (op.components >> components) != 0) {
        return make_error(ErrorCode::kOutOfRange, entity(), ": remove mask ", op.components,
                          " names components past the table's ", components);
      }
      return {};
    case OpKind::kRemoveEntity:
      if (!op.writes.empty() || op.components != 0) {
        return make_error(ErrorCode::kInvalidArgument, entity(),
                          ": an entity remove carries no writes or mask");
      }
      return {};
  }
  return make_error(ErrorCode::kInvalidArgument, entity(), ": unknown op kind ",
                    static_cast<int>(op.kind));
}

Op Table::row_as_op(std::size_t row, std::uint16_t table_index) const {
  Op op;
  op.table = table_index;
  op.entity = ids_[row];
  op.kind = OpKind::kUpsert;
  for (std::size_t c = 0; c < spec_->components.size(); ++c) {
    if (!has(row, c)) continue;
    ComponentWrite write;
    write.component = static_cast<std::uint16_t>(c);
    const std::size_t fields = spec_->components[c].fields.size();
    write.fields.reserve(fields);
    for (std::size_t f = 0; f < fields; ++f) {
      write.fields.push_back(FieldWrite{static_cast<std::uint16_t>(f), get(row, c, f)});
    }
    op.writes.push_back(std::move(write));
  }
  return op;
}

void Table::clear() {
  state_hash_ = 0;
  ids_.clear();
  masks_.clear();
  for (Column& col : columns_) {
    col.ints.clear();
    col.reals.clear();
    col.texts.clear();
  }
}

std::size_t Table::memory_bytes() const {
  std::size_t bytes = sizeof(*this) + ids_.capacity() * sizeof(EntityId) +
                      masks_.capacity() * sizeof(std::uint64_t) +
                      first_column_.capacity() * sizeof(std::size_t) +
                      columns_.capacity() * sizeof(Column);
  for (const Column& col : columns_) {
    bytes += col.ints.capacity() * sizeof(std::int64_t) + col.reals.capacity() * sizeof(double) +
             col.texts.capacity() * sizeof(std::string);
    for (const std::string& text : col.texts) {
      // Short strings live inside the std::string object; longer ones own a heap block.
      if (text.capacity() > std::string().capacity()) bytes += text.capacity() + 1;
    }
  }
  return bytes;
}

bool Table::operator==(const Table& other) const {
  if (!(*spec_ == *other.spec_) || ids_ != other.ids_ || masks_ != other.masks_) return false;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    const Column& a = columns_[i];
    const Column& b = other.columns_[i];
    if (a.ints != b.ints || a.texts != b.texts || !same_reals(a.reals, b.reals)) return false;
  }
  return true;
}

}  // namespace theta_net::data
