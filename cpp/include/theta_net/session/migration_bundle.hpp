// MigrationBundle: what a successor server needs to take a data session over from its
// predecessor (docs/collaboration.md, "Host migration"): the store at its closed version (the
// version counter goes on from there, so no version is ever reused), the signed-command state
// (the log held in memory, each author's next sequence and last Lamport clock, the server's
// clock), and the sessions with their resume tokens, keys and roles, the bans and the admins'
// control sequences. DataServer::export_migration makes one; import_migration on a fresh server
// of the same schema continues from it.
//
// The file (all integers varints unless named otherwise):
//
//   file     = magic body crc
//   magic    = the 29 bytes "theta_net migration bundle 1\n"
//   body     = schema store collab sessions bans admins
//   schema   = n, n bytes: the data schema's canonical TOML (DataSchema::to_toml)
//   store    = version, u64le digest (Store::digest), entity count, n, n bytes: every entity
//              as an upsert of its present components (op_codec's snapshot form)
//   collab   = u8 0 (no signed commands), or u8 1, clock, next log index, author count,
//              author* (32-byte key, next sequence, last clock), entry count, record* (the
//              command log file's records: n, n bytes of CommandLogEntry body, version)
//   sessions = count, session* (u64le id, u8 role, 32-byte key, 16-byte resume token, name
//              length, name, u16le minor, u32le capabilities)
//   bans     = count, ban* (32-byte key, u8 1 for good or 0 and the microseconds left, reason
//              length, reason)
//   admins   = count, admin* (32-byte key, the last control sequence accepted)
//   crc      = u32le CRC32C of every byte before it
//
// Decoding is a border: every count and length is checked against the limits and against the
// bytes left before anything is allocated, every enum and index against its range, the store's
// ops against the schema (and its digest against the one written), the log's indices and
// versions for order, and the checksum at the end; an error names the section and what was
// wrong, and nothing of a refused bundle is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/collab/collab_state.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/protocol/handshake.hpp"

namespace theta_net::session {

inline constexpr std::string_view kMigrationBundleMagic = "theta_net migration bundle 1\n";

struct MigrationLimits {
  std::size_t max_bytes = std::size_t{1} << 32;  // the whole file
  std::size_t max_schema_bytes = 1u << 20;
  std::size_t max_store_bytes = std::size_t{1} << 31;
  std::size_t max_entities = 1u << 24;
  std::size_t max_authors = 1u << 20;
  std::size_t max_log_entries = 1u << 22;
  std::size_t max_sessions = 1u << 16;
  std::size_t max_bans = 1u << 16;
  std::size_t max_admins = 1u << 16;
  std::size_t max_text = 4096;  // a client name or a ban reason
};

struct MigrationBan {
  Ed25519PublicKey key{};
  std::optional<Micros> remaining;  // none: for good
  std::string reason;
  bool operator==(const MigrationBan&) const = default;
};

struct MigrationAdmin {
  Ed25519PublicKey key{};
  std::uint64_t last_sequence = 0;
  bool operator==(const MigrationAdmin&) const = default;
};

struct MigrationBundle {
  std::string schema_toml;
  std::optional<data::Store> store;           // at its closed version
  std::optional<collab::CollabState> collab;  // with signed commands
  // Every session the predecessor knew (connected ones and those in their resume window), by
  // id; the successor holds them as dropped at import, resumable for its resume window.
  std::vector<protocol::SessionRecord> sessions;
  std::vector<MigrationBan> bans;
  std::vector<MigrationAdmin> admins;
};

// The bundle's bytes.
// Errors: kInvalidArgument (no store), and those of protocol::encode_body (a log entry over its
// schema limits).
Result<Bytes> encode_migration_bundle(const MigrationBundle& bundle);

// Decodes a bundle for a server of `schema`.
// Errors: kCorrupt (not a bundle, an enum or a flag out of range, a duplicate session id, author
// or key, log indices or versions out of order or past the store's, store ops the schema
// refuses or a digest that differs, bytes after the body), kUnsupportedVersion (a bundle of
// another format version), kInvalidArgument (the bundle's schema is not `schema`), kTruncated
// (the file ends inside a section), kLimitExceeded (a count or length past `limits` or past the
// bytes left), kChecksumMismatch (the CRC32C trailer differs), kOverflow (a varint over 64 bits),
// and those of protocol::decode_body (a log record that is no CommandLogEntry).
Result<MigrationBundle> decode_migration_bundle(ByteSpan file,
                                                std::shared_ptr<const data::DataSchema> schema,
                                                MigrationLimits limits = {});

// Writes the bundle's bytes to `path` (replacing the file) and reads a file back.
// Errors: kIo (the file cannot be written), and those of encode_migration_bundle.
Status write_migration_bundle(const std::string& path, const MigrationBundle& bundle);
// Errors: kIo (the file cannot be read), kLimitExceeded (a file over max_bytes), and those of
// decode_migration_bundle.
Result<MigrationBundle> read_migration_bundle(const std::string& path,
                                              std::shared_ptr<const data::DataSchema> schema,
                                              MigrationLimits limits = {});

}  // namespace theta_net::session
