// MigrationBundle's encoder and file I/O (the decoder, a border, is migration_bundle_decode.cpp;
// migration_bundle.hpp has the format).
#include "theta_net/session/migration_bundle.hpp"

#include <cstdio>
#include <limits>
#include <memory>

#include "theta_net/collab/command_log_file.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::session {
namespace {

void write_text(ByteWriter& w, std::string_view text) {
  write_varint(w, text.size());
  w.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void write_key(ByteWriter& w, const Ed25519PublicKey& key) {
  w.bytes(key);
}

// Every entity of the store as one run of upserts (the snapshot chunks' payloads end to end).
void write_store(ByteWriter& w, const data::Store& store) {
  write_varint(w, store.version());
  w.u64le(store.digest());
  Bytes payload;
  std::uint64_t entities = 0;
  for (const data::SnapshotChunkData& chunk :
       data::encode_snapshot(store, std::numeric_limits<std::size_t>::max())) {
    payload.insert(payload.end(), chunk.payload.begin(), chunk.payload.end());
    entities += chunk.entities;
  }
  write_varint(w, entities);
  write_varint(w, payload.size());
  w.bytes(payload);
}

Status write_collab(Bytes& out, const std::optional<collab::CollabState>& state) {
  ByteWriter w(out);
  if (!state) {
    w.u8(0);
    return {};
  }
  w.u8(1);
  write_varint(w, state->clock);
  write_varint(w, state->next_index);
  write_varint(w, state->authors.size());
  for (const collab::AuthorState& a : state->authors) {
    write_key(w, a.key);
    write_varint(w, a.next_sequence);
    write_varint(w, a.last_lamport);
  }
  write_varint(w, state->log.size());
  for (const collab::LoggedCommand& c : state->log) THETA_TRY(collab::encode_log_record(c, out));
  return {};
}

}  // namespace

Result<Bytes> encode_migration_bundle(const MigrationBundle& bundle) {
  if (!bundle.store) {
    return make_error(ErrorCode::kInvalidArgument, "a migration bundle needs the store");
  }
  Bytes out(kMigrationBundleMagic.begin(), kMigrationBundleMagic.end());
  ByteWriter w(out);
  write_text(w, bundle.schema_toml);
  write_store(w, *bundle.store);
  THETA_TRY(write_collab(out, bundle.collab));
  write_varint(w, bundle.sessions.size());
  for (const protocol::SessionRecord& s : bundle.sessions) {
    w.u64le(s.session_id);
    w.u8(static_cast<std::uint8_t>(s.role));
    write_key(w, s.client_key);
    w.bytes(s.resume_token);
    write_text(w, s.client_name);
    w.u16le(s.minor);
    w.u32le(s.capabilities);
  }
  write_varint(w, bundle.bans.size());
  for (const MigrationBan& b : bundle.bans) {
    write_key(w, b.key);
    w.u8(b.remaining ? 0 : 1);
    if (b.remaining)
      write_varint(w, static_cast<std::uint64_t>(std::max<std::int64_t>(0, b.remaining->count())));
    write_text(w, b.reason);
  }
  write_varint(w, bundle.admins.size());
  for (const MigrationAdmin& a : bundle.admins) {
    write_key(w, a.key);
    write_varint(w, a.last_sequence);
  }
  w.u32le(crc32c(out));
  return out;
}

Status write_migration_bundle(const std::string& path, const MigrationBundle& bundle) {
  THETA_TRY_ASSIGN(const Bytes bytes, encode_migration_bundle(bundle));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return make_error(ErrorCode::kIo, "cannot create the migration bundle ", path);
  if (std::fwrite(bytes.data(), 1, bytes.size(), f.get()) != bytes.size() ||
      std::fflush(f.get()) != 0) {
    return make_error(ErrorCode::kIo, "cannot write the migration bundle ", path);
  }
  return {};
}

Result<MigrationBundle> read_migration_bundle(const std::string& path,
                                              std::shared_ptr<const data::DataSchema> schema,
                                              MigrationLimits limits) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return make_error(ErrorCode::kIo, "cannot open the migration bundle ", path);
  Bytes data;
  std::uint8_t chunk[65536];
  while (true) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    if (data.size() + n > limits.max_bytes) {
      return make_error(ErrorCode::kLimitExceeded, "the migration bundle ", path, " is over ",
                        limits.max_bytes, " bytes");
    }
    data.insert(data.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) {
    return make_error(ErrorCode::kIo, "cannot read the migration bundle ", path);
  }
  return decode_migration_bundle(data, std::move(schema), limits);
}

}  // namespace theta_net::session
