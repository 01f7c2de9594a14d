// The generic msgpack codec behind message_codec.cpp: templates over the generated visit() of each
// struct. Private to the library (it includes msgpack-cxx).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <msgpack/pack.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "theta_net/core/utf8.hpp"
#include "theta_net/protocol/field_info.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/protocol/msgpack_reader.hpp"

namespace theta_net::protocol::detail {

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsStrMap : std::false_type {};
template <class T>
struct IsStrMap<std::map<std::string, T>> : std::true_type {};
template <class T>
struct IsFixedBytes : std::false_type {};
template <std::size_t N>
struct IsFixedBytes<std::array<std::uint8_t, N>> : std::true_type {};

template <class T>
concept Visitable = requires {
  T::kFieldCount;
};

// Limits of a list's or map's elements: the schema's default limits.
inline FieldInfo element_info(const FieldInfo& container) {
  return FieldInfo{container.name, container.since_minor, 0, 0};
}
template <class T>
std::size_t default_max() {
  if constexpr (std::is_same_v<T, std::string>) return kDefaultMaxStr;
  if constexpr (std::is_same_v<T, Bytes>) return kDefaultMaxBytes;
  return 0;
}

// An appending msgpack-cxx stream over a Bytes buffer. It grows the buffer geometrically and
// copies with memcpy (msgpack writes 1-9 bytes at a time, where vector::insert is slow); finish()
// trims the slack.
struct ByteSink {
  explicit ByteSink(Bytes* buffer) : out(buffer), pos(buffer->size()) {}
  [[gnu::always_inline]] void write(const char* data, std::size_t size) {
    if (pos + size > out->size()) grow(size);
    std::uint8_t* dst = out->data() + pos;
    if (size <= 9) {  // a msgpack tag and its payload: cheaper than a call to memcpy
      for (std::size_t i = 0; i < size; ++i) dst[i] = static_cast<std::uint8_t>(data[i]);
    } else {
      std::memcpy(dst, data, size);
    }
    pos += size;
  }
  [[gnu::noinline]] void grow(std::size_t size) {
    out->resize(std::max(out->size() * 2, pos + size + 64));
  }
  void finish() { out->resize(pos); }

  Bytes* out;
  std::size_t pos;
};

// Names the path to a field ("InputBundle.inputs.tick") in error messages. Schema structs nest
// only a few levels deep, so a fixed array does (and decoding allocates nothing for it).
class FieldPath {
 public:
  void push(std::string_view name) {
    if (depth_ < parts_.size()) parts_[depth_] = name;
    ++depth_;
  }
  void pop() { --depth_; }
  std::string text() const {
    std::string out;
    for (std::size_t i = 0; i < std::min(depth_, parts_.size()); ++i) {
      if (i > 0) out += '.';
      out += parts_[i];
    }
    return out;
  }

 private:
  std::array<std::string_view, 8> parts_{};
  std::size_t depth_ = 0;
};

class Encoder {
 public:
  Encoder(Bytes& out, std::uint16_t minor) : sink_(&out), packer_(sink_), minor_(minor) {}

  // Appends s as a msgpack array of its fields up to the minor version.
  // Errors: kInvalidArgument (an enum field holding no value of its enum, a NaN or infinite
  // float, text that is not valid UTF-8), kLimitExceeded (a text, bytes, list or map over its
  // schema limit).
  template <Visitable S>
  Status message(const S& s) {
    path_.push(S::kName);
    struct_value(s);
    path_.pop();
    sink_.finish();
    return std::move(status_);
  }

 private:
  void fail(ErrorCode code, const std::string& what) {
    if (status_.ok()) status_ = Error{code, path_.text() + ": " + what};
  }

  template <Visitable S>
  void struct_value(const S& s) {
    std::uint32_t count = 0;
    S::visit(s, [&](const FieldInfo& f, const auto&) { count += f.since_minor <= minor_ ? 1 : 0; });
    packer_.pack_array(count);
    S::visit(s, [&](const FieldInfo& f, const auto& member) {
      if (f.since_minor > minor_ || !status_.ok()) return;
      path_.push(f.name);
      value(member, f);
      path_.pop();
    });
  }

  template <class T>
  void value(const T& v, const FieldInfo& f) {
    if constexpr (std::is_same_v<T, bool>) {
      v ? packer_.pack_true() : packer_.pack_false();
    } else if constexpr (std::is_enum_v<T>) {
      if (!enum_is_valid(v)) {
        fail(ErrorCode::kInvalidArgument,
             str_cat("value ", static_cast<std::uint64_t>(v), " is not a ", EnumTraits<T>::kName));
      }
      packer_.pack_uint64(static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
      packer_.pack_uint64(v);
    } else if constexpr (std::is_integral_v<T>) {
      packer_.pack_int64(v);
    } else if constexpr (std::is_same_v<T, float>) {
      if (!std::isfinite(v))
        fail(ErrorCode::kInvalidArgument, "NaN and infinities are not allowed");
      put_float(0xca, std::bit_cast<std::uint32_t>(v), 4);
    } else if constexpr (std::is_same_v<T, double>) {
      if (!std::isfinite(v))
        fail(ErrorCode::kInvalidArgument, "NaN and infinities are not allowed");
      put_float(0xcb, std::bit_cast<std::uint64_t>(v), 8);
    } else if constexpr (std::is_same_v<T, std::string>) {
      check_length(v.size(), f.max ? f.max : kDefaultMaxStr, "bytes");
      if (!is_valid_utf8(v)) fail(ErrorCode::kInvalidArgument, "text is not valid UTF-8");
      packer_.pack_str(static_cast<std::uint32_t>(v.size()));
      packer_.pack_str_body(v.data(), static_cast<std::uint32_t>(v.size()));
    } else if constexpr (std::is_same_v<T, Bytes> || IsFixedBytes<T>::value) {
      if constexpr (std::is_same_v<T, Bytes>)
        check_length(v.size(), f.max ? f.max : kDefaultMaxBytes, "bytes");
      packer_.pack_bin(static_cast<std::uint32_t>(v.size()));
      packer_.pack_bin_body(reinterpret_cast<const char*>(v.data()),
                            static_cast<std::uint32_t>(v.size()));
    } else if constexpr (IsOptional<T>::value) {
      if (v) {
        value(*v, f);
      } else {
        packer_.pack_nil();
      }
    } else if constexpr (IsVector<T>::value) {
      check_length(v.size(), f.max, "elements");
      packer_.pack_array(static_cast<std::uint32_t>(v.size()));
      const FieldInfo elem{f.name, f.since_minor, default_max<typename T::value_type>(), 0};
      for (const auto& e : v) value(e, elem);
    } else if constexpr (IsStrMap<T>::value) {
      check_length(v.size(), f.max, "entries");
      packer_.pack_map(static_cast<std::uint32_t>(v.size()));
      const FieldInfo key{f.name, f.since_minor, kDefaultMaxStr, 0};
      const FieldInfo elem{f.name, f.since_minor, default_max<typename T::mapped_type>(), 0};
      for (const auto& [k, e] : v) {
        value(k, key);
        value(e, elem);
      }
    } else {
      static_assert(Visitable<T>, "unsupported field type");
      struct_value(v);
    }
  }

  // Floats are always written as msgpack floats. (msgpack-cxx's pack_double writes integral values
  // as integers, which loses -0.0 and the type a peer's msgpack library reports.)
  void put_float(std::uint8_t tag, std::uint64_t bits, int width) {
    char buf[9];
    buf[0] = static_cast<char>(tag);
    for (int i = 0; i < width; ++i) buf[1 + i] = static_cast<char>(bits >> (8 * (width - 1 - i)));
    sink_.write(buf, static_cast<std::size_t>(width) + 1);
  }

  void check_length(std::size_t size, std::size_t max, const char* unit) {
    if (size > max) {
      fail(ErrorCode::kLimitExceeded,
           str_cat(size, " ", unit, " is over the schema limit of ", max));
    }
  }

  ByteSink sink_;
  msgpack::packer<ByteSink> packer_;
  std::uint16_t minor_;
  FieldPath path_;
  Status status_;
};

// Internally every step returns a bool and the first error is kept in error_: returning a Status
// (a 48-byte optional<Error>) through every field costs more than the field itself.
class Decoder {
 public:
  explicit Decoder(ByteSpan body) : reader_(body) {}

  // Decodes the whole input as one S.
  // Errors: those of decode_body<S> (message_codec.hpp).
  template <Visitable S>
  Result<S> message() {
    S out{};
    if (!struct_value(out)) {
      error_path_.push_back(S::kName);
      std::string path;
      for (auto it = error_path_.rbegin(); it != error_path_.rend(); ++it) {
        if (!path.empty()) path += '.';
        path += *it;
      }
      error_->message = path + ": " + error_->message;
      return std::move(*error_);
    }
    if (!reader_.at_end()) {
      return make_error(ErrorCode::kCorrupt, S::kName, ": ", reader_.remaining(),
                        " unexpected bytes after the message at offset ", reader_.offset());
    }
    return out;
  }

 private:
  // The path of the failing field is only built on failure: each struct level adds its field's
  // name while the error unwinds, and message() joins them.
  [[gnu::cold, gnu::noinline]] bool fail_located(Error e) {
    error_ = std::move(e);
    return false;
  }
  template <class... Parts>
  [[gnu::cold, gnu::noinline]] bool fail(ErrorCode code, const Parts&... parts) {
    error_ = make_error(code, parts...);
    return false;
  }

  template <class R, class Out>
  bool take(R&& result, Out& out) {
    if (!result.ok()) return fail_located(std::move(result).error());
    out = std::move(result).value();
    return true;
  }

  template <Visitable S>
  bool struct_value(S& s) {
    std::uint32_t count = 0;
    if (!reader_.try_fixarray(1u << 16, count) &&
        !take(reader_.array_header(1u << 16, ""), count)) {
      return false;
    }
    std::uint32_t index = 0;
    bool ok = true;
    S::visit(s, [&](const FieldInfo& f, auto& member) {
      if (!ok) return;
      if (index < count) {
        ok = value(member, f);
      } else if (!f.omittable()) {
        ok = fail(ErrorCode::kCorrupt, "missing (the array has only ", count, " fields)");
      }
      if (!ok) error_path_.push_back(f.name);
      ++index;
    });
    if (!ok) return false;
    // Fields from a newer minor version of the schema: skip them whole.
    for (; index < count; ++index) {
      Status skipped = reader_.skip("");
      if (!skipped.ok()) return fail_located(std::move(skipped).error());
    }
    return true;
  }

  template <class T>
  bool value(T& out, const FieldInfo& f) {
    if constexpr (std::is_same_v<T, bool>) {
      return take(reader_.read_bool(""), out);
    } else if constexpr (std::is_enum_v<T>) {
      using U = std::underlying_type_t<T>;
      std::uint64_t raw = 0;
      if (!reader_.try_fixint(std::numeric_limits<U>::max(), raw) &&
          !take(reader_.read_uint(std::numeric_limits<U>::max(), ""), raw)) {
        return false;
      }
      out = static_cast<T>(raw);
      if (!enum_is_valid(out))
        return fail(ErrorCode::kOutOfRange, raw, " is not a known ", EnumTraits<T>::kName);
      return true;
    } else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) {
      std::uint64_t raw = 0;
      if (!reader_.try_fixint(std::numeric_limits<T>::max(), raw) &&
          !take(reader_.read_uint(std::numeric_limits<T>::max(), ""), raw)) {
        return false;
      }
      out = static_cast<T>(raw);
      return true;
    } else if constexpr (std::is_integral_v<T>) {
      std::int64_t raw = 0;
      if (!take(reader_.read_int(std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), ""),
                raw)) {
        return false;
      }
      out = static_cast<T>(raw);
      return true;
    } else if constexpr (std::is_floating_point_v<T>) {
      double raw = 0;
      if (!take(reader_.read_float(""), raw)) return false;
      out = static_cast<T>(raw);
      // Non-finite values would poison whatever consumes them; a double too large for a float
      // would become one.
      if (!std::isfinite(out))
        return fail(ErrorCode::kOutOfRange, raw, " is not a finite number this field can hold");
      return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
      std::string_view text;
      if (!take(reader_.read_str(f.max ? f.max : kDefaultMaxStr, ""), text)) return false;
      out.assign(text);
      return true;
    } else if constexpr (std::is_same_v<T, Bytes>) {
      ByteSpan bytes;
      if (!take(reader_.read_bin(f.max ? f.max : kDefaultMaxBytes, ""), bytes)) return false;
      out.assign(bytes.begin(), bytes.end());
      return true;
    } else if constexpr (IsFixedBytes<T>::value) {
      ByteSpan bytes;
      if (!take(reader_.read_bin(out.size(), ""), bytes)) return false;
      if (bytes.size() != out.size()) {
        return fail(ErrorCode::kCorrupt, "expected exactly ", out.size(), " bytes, got ",
                    bytes.size());
      }
      std::copy(bytes.begin(), bytes.end(), out.begin());
      return true;
    } else if constexpr (IsOptional<T>::value) {
      if (reader_.consume_nil()) {
        out.reset();
        return true;
      }
      out.emplace();
      return value(*out, f);
    } else if constexpr (IsVector<T>::value) {
      std::uint32_t count = 0;
      if (!take(reader_.array_header(f.max, ""), count)) return false;
      out.clear();
      out.resize(count);  // count is bounded by the limit and by the bytes left
      const FieldInfo elem{f.name, f.since_minor, default_max<typename T::value_type>(), 0};
      for (auto& e : out) {
        if (!value(e, elem)) return false;
      }
      return true;
    } else if constexpr (IsStrMap<T>::value) {
      std::uint32_t count = 0;
      if (!take(reader_.map_header(f.max, ""), count)) return false;
      out.clear();
      const FieldInfo key_info{f.name, f.since_minor, kDefaultMaxStr, 0};
      const FieldInfo elem{f.name, f.since_minor, default_max<typename T::mapped_type>(), 0};
      for (std::uint32_t i = 0; i < count; ++i) {
        std::string key;
        typename T::mapped_type e{};
        if (!value(key, key_info) || !value(e, elem)) return false;
        if (!out.emplace(std::move(key), std::move(e)).second)
          return fail(ErrorCode::kCorrupt, "duplicate map key");
      }
      return true;
    } else {
      static_assert(Visitable<T>, "unsupported field type");
      return struct_value(out);
    }
  }

  MsgpackReader reader_;
  std::optional<Error> error_;
  std::vector<std::string_view> error_path_;  // innermost first, filled only on failure
};

}  // namespace theta_net::protocol::detail
