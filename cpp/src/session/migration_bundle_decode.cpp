// MigrationBundle's decoder: a border (migration_bundle.hpp has the format and the checks).
// Every error names the section it was found in and the offset.
#include <set>

#include "theta_net/collab/command_log_file.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/protocol/field_info.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/migration_bundle.hpp"
#include "theta_net/session/session_control.hpp"

namespace theta_net::session {
namespace {

// Reads the body, naming the current section in every error.
class BundleReader {
 public:
  BundleReader(ByteSpan body, const MigrationLimits& limits) : in_(body), limits_(limits) {}

  void section(const char* name) { section_ = name; }
  std::size_t offset() const { return in_.offset(); }
  std::size_t remaining() const { return in_.remaining(); }

  template <class... Args>
  Error error(ErrorCode code, Args&&... args) const {
    return Error{
        code, str_cat(section_, " section at offset ", kMigrationBundleMagic.size() + in_.offset(),
                      ": ", std::forward<Args>(args)...)};
  }
  Error wrap(const Error& e) const { return error(e.code, e.message); }

  Result<std::uint64_t> varint(const char* what) {
    auto v = read_varint(in_, what);
    if (!v.ok()) return wrap(v.error());
    return *v;
  }
  Result<std::uint8_t> u8(const char* what) {
    auto v = in_.u8(what);
    if (!v.ok()) return wrap(v.error());
    return *v;
  }
  Result<std::uint16_t> u16(const char* what) {
    auto v = in_.u16le(what);
    if (!v.ok()) return wrap(v.error());
    return *v;
  }
  Result<std::uint32_t> u32(const char* what) {
    auto v = in_.u32le(what);
    if (!v.ok()) return wrap(v.error());
    return *v;
  }
  Result<std::uint64_t> u64(const char* what) {
    auto v = in_.u64le(what);
    if (!v.ok()) return wrap(v.error());
    return *v;
  }
  Result<ByteSpan> bytes(std::size_t n, const char* what) {
    auto v = in_.bytes(n, what);
    if (!v.ok()) return wrap(v.error());
    return *v;
  }
  template <std::size_t N>
  Result<std::array<std::uint8_t, N>> array(const char* what) {
    THETA_TRY_ASSIGN(const ByteSpan span, bytes(N, what));
    std::array<std::uint8_t, N> out{};
    std::copy(span.begin(), span.end(), out.begin());
    return out;
  }
  // A length or count, bounded by `max` and by the bytes left at `min_each` bytes per item
  // (checked before anything is allocated for it).
  Result<std::size_t> count(const char* what, std::size_t max, std::size_t min_each) {
    THETA_TRY_ASSIGN(const std::uint64_t n, varint(what));
    if (n > max) return error(ErrorCode::kLimitExceeded, what, " ", n, " is over the limit ", max);
    if (min_each > 0 && n > remaining() / min_each) {
      return error(ErrorCode::kLimitExceeded, what, " ", n, " needs at least ", n * min_each,
                   " bytes; ", remaining(), " are left");
    }
    return static_cast<std::size_t>(n);
  }
  Result<std::string> text(const char* what, std::size_t max) {
    THETA_TRY_ASSIGN(const std::size_t n, count(what, max, 1));
    THETA_TRY_ASSIGN(const ByteSpan span, bytes(n, what));
    return std::string(span.begin(), span.end());
  }

  const MigrationLimits& limits() const { return limits_; }

 private:
  ByteReader in_;
  const MigrationLimits& limits_;
  const char* section_ = "schema";
};

Status read_store(BundleReader& r, const std::shared_ptr<const data::DataSchema>& schema,
                  MigrationBundle& out) {
  r.section("store");
  THETA_TRY_ASSIGN(const std::uint64_t version, r.varint("version"));
  THETA_TRY_ASSIGN(const std::uint64_t digest, r.u64("digest"));
  // An entity's upsert takes at least 3 bytes (table, entity, kind).
  THETA_TRY_ASSIGN(const std::size_t entities, r.count("entity count", r.limits().max_entities, 0));
  THETA_TRY_ASSIGN(const std::size_t size,
                   r.count("store payload length", r.limits().max_store_bytes, 1));
  THETA_TRY_ASSIGN(const ByteSpan payload, r.bytes(size, "store payload"));
  data::OpLimits op_limits;
  op_limits.max_ops = r.limits().max_entities;
  op_limits.max_payload_bytes = r.limits().max_store_bytes;
  auto ops = data::decode_ops(*schema, payload, entities, op_limits);
  if (!ops.ok()) return r.wrap(ops.error());
  std::optional<std::pair<std::uint16_t, data::EntityId>> last;
  for (const data::Op& op : *ops) {
    const std::pair key{op.table, op.entity};
    if (op.kind != data::OpKind::kUpsert || (last && key <= *last)) {
      return r.error(ErrorCode::kCorrupt, "entity ", op.entity, " of table ", op.table,
                     " is not an upsert after the one before (the store is upserts in table, "
                     "then id order)");
    }
    last = key;
  }
  data::Store store(schema);
  if (Status applied = store.apply_ops(*ops); !applied.ok()) return r.wrap(applied.error());
  store.set_version(version);
  if (store.digest() != digest) {
    return r.error(ErrorCode::kCorrupt, "the store's digest is ", session_hex(store.digest()),
                   " where the bundle says ", session_hex(digest));
  }
  out.store = std::move(store);
  return {};
}

Status read_collab(BundleReader& r, MigrationBundle& out) {
  r.section("collab");
  THETA_TRY_ASSIGN(const std::uint8_t present, r.u8("collab flag"));
  if (present > 1) return r.error(ErrorCode::kCorrupt, "collab flag ", int{present}, "; 0 or 1");
  if (present == 0) return {};
  collab::CollabState c;
  THETA_TRY_ASSIGN(c.clock, r.varint("clock"));
  THETA_TRY_ASSIGN(c.next_index, r.varint("next index"));
  if (c.next_index == 0)
    return r.error(ErrorCode::kCorrupt, "next log index 0; indices start at 1");
  THETA_TRY_ASSIGN(const std::size_t authors, r.count("author count", r.limits().max_authors, 34));
  c.authors.reserve(authors);
  std::set<Ed25519PublicKey> seen;
  for (std::size_t i = 0; i < authors; ++i) {
    collab::AuthorState a;
    THETA_TRY_ASSIGN(a.key, r.array<32>("author key"));
    THETA_TRY_ASSIGN(a.next_sequence, r.varint("next sequence"));
    THETA_TRY_ASSIGN(a.last_lamport, r.varint("last clock"));
    if (a.next_sequence == 0 || !seen.insert(a.key).second) {
      return r.error(ErrorCode::kCorrupt, "author ", i, " is listed twice or has next sequence 0");
    }
    c.authors.push_back(a);
  }
  THETA_TRY_ASSIGN(const std::size_t entries,
                   r.count("log entry count", r.limits().max_log_entries, 3));
  if (entries >= c.next_index) {
    return r.error(ErrorCode::kCorrupt, entries, " log entries before next index ", c.next_index);
  }
  c.log.reserve(entries);
  const std::uint64_t first = c.next_index - entries;
  for (std::size_t i = 0; i < entries; ++i) {
    THETA_TRY_ASSIGN(const std::size_t n,
                     r.count("log record length", collab::kMaxLogRecordBody, 1));
    THETA_TRY_ASSIGN(const ByteSpan body, r.bytes(n, "log record"));
    auto entry = protocol::decode_body<protocol::CommandLogEntry>(body);
    if (!entry.ok()) return r.wrap(entry.error());
    THETA_TRY_ASSIGN(const std::uint64_t version, r.varint("log record version"));
    if (entry->index != first + i) {
      return r.error(ErrorCode::kCorrupt, "log entry ", i, " has index ", entry->index, " where ",
                     first + i, " comes");
    }
    if (version > out.store->version() || (!c.log.empty() && version < c.log.back().version)) {
      return r.error(ErrorCode::kCorrupt, "log entry ", entry->index, " has version ", version,
                     ": below the one before or past the store's ", out.store->version());
    }
    c.log.push_back(collab::LoggedCommand{std::move(entry).value(), version});
  }
  out.collab = std::move(c);
  return {};
}

Status read_sessions(BundleReader& r, MigrationBundle& out) {
  r.section("sessions");
  THETA_TRY_ASSIGN(const std::size_t count, r.count("session count", r.limits().max_sessions, 64));
  out.sessions.reserve(count);
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < count; ++i) {
    protocol::SessionRecord s;
    THETA_TRY_ASSIGN(s.session_id, r.u64("session id"));
    THETA_TRY_ASSIGN(const std::uint8_t role, r.u8("role"));
    s.role = static_cast<protocol::Role>(role);
    if (!protocol::enum_is_valid(s.role)) {
      return r.error(ErrorCode::kCorrupt, "session ", i, " has role ", int{role}, ", no Role");
    }
    THETA_TRY_ASSIGN(s.client_key, r.array<32>("client key"));
    THETA_TRY_ASSIGN(s.resume_token, r.array<16>("resume token"));
    THETA_TRY_ASSIGN(s.client_name, r.text("client name", r.limits().max_text));
    THETA_TRY_ASSIGN(s.minor, r.u16("minor"));
    THETA_TRY_ASSIGN(s.capabilities, r.u32("capabilities"));
    if (s.session_id == 0 || !ids.insert(s.session_id).second) {
      return r.error(ErrorCode::kCorrupt, "session ", i, " has id 0 or one listed before");
    }
    out.sessions.push_back(std::move(s));
  }
  return {};
}

Status read_bans_and_admins(BundleReader& r, MigrationBundle& out) {
  r.section("bans");
  THETA_TRY_ASSIGN(const std::size_t bans, r.count("ban count", r.limits().max_bans, 34));
  out.bans.reserve(bans);
  std::set<Ed25519PublicKey> seen;
  for (std::size_t i = 0; i < bans; ++i) {
    MigrationBan b;
    THETA_TRY_ASSIGN(b.key, r.array<32>("banned key"));
    THETA_TRY_ASSIGN(const std::uint8_t for_good, r.u8("for-good flag"));
    if (for_good > 1) return r.error(ErrorCode::kCorrupt, "ban ", i, " has flag ", int{for_good});
    if (for_good == 0) {
      THETA_TRY_ASSIGN(const std::uint64_t left, r.varint("time left"));
      if (left > static_cast<std::uint64_t>(INT64_MAX)) {
        return r.error(ErrorCode::kOverflow, "ban ", i, " has ", left, " us left");
      }
      b.remaining = Micros(static_cast<std::int64_t>(left));
    }
    THETA_TRY_ASSIGN(b.reason, r.text("ban reason", r.limits().max_text));
    if (!seen.insert(b.key).second) return r.error(ErrorCode::kCorrupt, "ban ", i, ": key twice");
    out.bans.push_back(std::move(b));
  }
  r.section("admins");
  THETA_TRY_ASSIGN(const std::size_t admins, r.count("admin count", r.limits().max_admins, 33));
  out.admins.reserve(admins);
  seen.clear();
  for (std::size_t i = 0; i < admins; ++i) {
    MigrationAdmin a;
    THETA_TRY_ASSIGN(a.key, r.array<32>("admin key"));
    THETA_TRY_ASSIGN(a.last_sequence, r.varint("last control sequence"));
    if (!seen.insert(a.key).second) return r.error(ErrorCode::kCorrupt, "admin ", i, ": key twice");
    out.admins.push_back(a);
  }
  return {};
}

}  // namespace

Result<MigrationBundle> decode_migration_bundle(ByteSpan file,
                                                std::shared_ptr<const data::DataSchema> schema,
                                                MigrationLimits limits) {
  constexpr std::string_view kFamily = "theta_net migration bundle ";
  if (file.size() > limits.max_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "a migration bundle of ", file.size(),
                      " bytes; at most ", limits.max_bytes);
  }
  const std::string_view head(reinterpret_cast<const char*>(file.data()),
                              std::min(file.size(), kMigrationBundleMagic.size()));
  if (head != kMigrationBundleMagic) {
    if (head.starts_with(kFamily) && head.size() == kMigrationBundleMagic.size()) {
      return make_error(ErrorCode::kUnsupportedVersion, "a migration bundle of format ",
                        head.substr(kFamily.size(), head.size() - kFamily.size() - 1),
                        "; this build reads format 1");
    }
    if (kMigrationBundleMagic.starts_with(head)) {
      return make_error(ErrorCode::kTruncated, "the migration bundle ends inside its magic (",
                        file.size(), " bytes)");
    }
    return make_error(ErrorCode::kCorrupt, "not a theta_net migration bundle (no magic)");
  }
  if (file.size() < kMigrationBundleMagic.size() + 4) {
    return make_error(ErrorCode::kTruncated, "the migration bundle ends before its checksum");
  }
  const ByteSpan body =
      file.subspan(kMigrationBundleMagic.size(), file.size() - kMigrationBundleMagic.size() - 4);
  BundleReader r(body, limits);
  MigrationBundle out;
  r.section("schema");
  THETA_TRY_ASSIGN(out.schema_toml, r.text("schema length", limits.max_schema_bytes));
  if (out.schema_toml != schema->to_toml()) {
    return r.error(ErrorCode::kInvalidArgument,
                   "the bundle's data schema is not this server's; start the successor with "
                   "the predecessor's schema");
  }
  THETA_TRY(read_store(r, schema, out));
  THETA_TRY(read_collab(r, out));
  THETA_TRY(read_sessions(r, out));
  THETA_TRY(read_bans_and_admins(r, out));
  if (r.remaining() != 0) {
    r.section("end");
    return r.error(ErrorCode::kCorrupt, r.remaining(), " bytes after the last section");
  }
  const ByteSpan trailer = file.subspan(file.size() - 4);
  const std::uint32_t stored =
      static_cast<std::uint32_t>(trailer[0]) | static_cast<std::uint32_t>(trailer[1]) << 8 |
      static_cast<std::uint32_t>(trailer[2]) << 16 | static_cast<std::uint32_t>(trailer[3]) << 24;
  const std::uint32_t computed = crc32c(file.subspan(0, file.size() - 4));
  if (stored != computed) {
    return make_error(ErrorCode::kChecksumMismatch, "the migration bundle's CRC32C is ",
                      session_hex(computed), " where its trailer says ", session_hex(stored));
  }
  return out;
}

}  // namespace theta_net::session
