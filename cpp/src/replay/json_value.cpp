#include "theta_net/replay/json_value.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "theta_net/core/json_writer.hpp"
#include "theta_net/core/utf8.hpp"

namespace theta_net::replay {

double JsonValue::as_double() const {
  switch (type()) {
    case Type::kInt:
      return static_cast<double>(as_int());
    case Type::kUint:
      return static_cast<double>(as_uint());
    case Type::kDouble:
      return std::get<double>(v_);
    default:
      return 0.0;
  }
}

const JsonValue* JsonValue::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

JsonValue& JsonValue::set(std::string_view key, JsonValue value) {
  if (is_null()) v_ = JsonObject{};
  JsonObject& members = as_object();
  for (auto& [k, v] : members) {
    if (k == key) {
      v = std::move(value);
      return *this;
    }
  }
  members.emplace_back(std::string(key), std::move(value));
  return *this;
}

namespace {

bool numbers_equal(const JsonValue& a, const JsonValue& b) {
  using T = JsonValue::Type;
  if (a.type() == T::kDouble || b.type() == T::kDouble) return a.as_double() == b.as_double();
  if (a.type() != b.type()) return false;  // kInt holds every value that fits int64
  return a.type() == T::kInt ? a.as_int() == b.as_int() : a.as_uint() == b.as_uint();
}

}  // namespace

bool operator==(const JsonValue& a, const JsonValue& b) {
  using T = JsonValue::Type;
  if (a.is_number() && b.is_number()) return numbers_equal(a, b);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case T::kNull:
      return true;
    case T::kBool:
      return a.as_bool() == b.as_bool();
    case T::kString:
      return a.as_string() == b.as_string();
    case T::kArray:
      return a.as_array() == b.as_array();
    case T::kObject: {
      const JsonObject& x = a.as_object();
      if (x.size() != b.as_object().size()) return false;
      for (const auto& [k, v] : x) {
        const JsonValue* other = b.find(k);
        if (other == nullptr || !(*other == v)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

namespace {

class CanonicalWriter {
 public:
  explicit CanonicalWriter(std::string& out) : json_(out) {}

  Status write(const JsonValue& value) {
    using T = JsonValue::Type;
    switch (value.type()) {
      case T::kNull:
        json_.null();
        return {};
      case T::kBool:
        json_.boolean(value.as_bool());
        return {};
      case T::kInt:
        json_.integer(value.as_int());
        return {};
      case T::kUint:
        json_.integer(value.as_uint());
        return {};
      case T::kDouble: {
        const double d = value.as_double();
        if (!std::isfinite(d)) return fail("is NaN or infinite, which JSON cannot carry");
        json_.number(d);
        return {};
      }
      case T::kString:
        if (!is_valid_utf8(value.as_string())) return fail("is not valid UTF-8");
        json_.string(value.as_string());
        return {};
      case T::kArray:
        return write_array(value.as_array());
      case T::kObject:
        return write_object(value.as_object());
    }
    return {};
  }

 private:
  Status write_array(const JsonArray& items) {
    if (depth_ >= kMaxJsonDepth) return fail("nests deeper than ", kMaxJsonDepth, " levels");
    json_.begin_array();
    for (std::size_t i = 0; i < items.size(); ++i) {
      path_[depth_++] = {nullptr, i};
      THETA_TRY(write(items[i]));
      --depth_;
    }
    json_.end_array();
    return {};
  }

  Status write_object(const JsonObject& members) {
    if (depth_ >= kMaxJsonDepth) return fail("nests deeper than ", kMaxJsonDepth, " levels");
    // Sort pointers, not members: the value stays const and nothing is copied. Events have a
    // handful of fields, so small objects sort on the stack.
    const JsonMember* small[16];
    std::vector<const JsonMember*> large;
    const JsonMember** sorted = small;
    if (members.size() > std::size(small)) {
      large.resize(members.size());
      sorted = large.data();
    }
    for (std::size_t i = 0; i < members.size(); ++i) sorted[i] = &members[i];
    std::sort(sorted, sorted + members.size(),
              [](const JsonMember* a, const JsonMember* b) { return a->first < b->first; });
    json_.begin_object();
    for (std::size_t i = 0; i < members.size(); ++i) {
      const std::string& key = sorted[i]->first;
      if (i > 0 && key == sorted[i - 1]->first) return fail("has the key '", key, "' twice");
      if (!is_valid_utf8(key)) return fail("has a key that is not valid UTF-8");
      json_.key(key);
      path_[depth_++] = {&key, 0};
      THETA_TRY(write(sorted[i]->second));
      --depth_;
    }
    json_.end_object();
    return {};
  }

  // "the value at pos[2] is NaN ..." (or "the value is ..." at the top).
  template <class... Parts>
  Status fail(const Parts&... parts) const {
    std::string where;
    for (std::size_t i = 0; i < depth_; ++i) {
      const Segment& segment = path_[i];
      if (segment.key == nullptr) {
        where += str_cat("[", segment.index, "]");
      } else {
        if (!where.empty()) where += '.';
        where += *segment.key;
      }
    }
    return make_error(ErrorCode::kInvalidArgument, "the value ",
                      where.empty() ? "" : "at " + where + " ", parts...);
  }

  struct Segment {
    const std::string* key;  // null for an array element
    std::size_t index;
  };
  JsonWriter json_;
  // The field path of the value being written, for errors (no allocation on the way).
  std::array<Segment, kMaxJsonDepth + 1> path_{};
  std::size_t depth_ = 0;
};

}  // namespace

Status append_canonical(const JsonValue& value, std::string& out) {
  const std::size_t start = out.size();
  Status s = CanonicalWriter(out).write(value);
  if (!s.ok()) out.resize(start);  // never leave half a value behind
  return s;
}

Result<std::string> to_canonical(const JsonValue& value) {
  std::string out;
  THETA_TRY(append_canonical(value, out));
  return out;
}

}  // namespace theta_net::replay
