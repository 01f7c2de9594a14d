#include "theta_net/replication/world_snapshot.hpp"

#include <utility>

#include "theta_net/core/varint.hpp"
#include "theta_net/replication/component_codec.hpp"

namespace theta_net::replication {
namespace {

void write_blob(ByteWriter& w, ByteSpan data) {
  write_varint(w, data.size());
  w.bytes(data);
}

ByteSpan as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

struct ChunkBuilder {
  Bytes descriptors, records;
  std::size_t descriptor_count = 0, record_count = 0;

  std::size_t size_with(std::size_t more_descriptors, std::size_t descriptor_bytes,
                        std::size_t record_bytes) const {
    return varint_size(descriptor_count + more_descriptors) + descriptors.size() +
           descriptor_bytes + varint_size(record_count + 1) + records.size() + record_bytes;
  }
  Bytes payload() const {
    Bytes out;
    ByteWriter w(out);
    write_varint(w, descriptor_count);
    w.bytes(descriptors);
    write_varint(w, record_count);
    w.bytes(records);
    return out;
  }
};

Result<ByteSpan> read_blob(ByteReader& r, const char* what) {
  THETA_TRY_ASSIGN(std::uint64_t size, read_varint(r, what));
  if (size > r.remaining()) {
    return make_error(ErrorCode::kTruncated, what, " declares ", size, " bytes, only ",
                      r.remaining(), " remain");
  }
  return r.bytes(size, what);
}

}  // namespace

std::vector<protocol::WorldSnapshotChunk> WorldSnapshotBuilder::build(
    const WorldState& world, std::uint32_t snapshot_id, std::uint32_t server_tick) const {
  const Schema& schema = world.schema();
  std::vector<protocol::WorldSnapshotChunk> chunks;
  std::vector<bool> described(schema.size(), false);
  ChunkBuilder chunk;
  auto close_chunk = [&] {
    protocol::WorldSnapshotChunk c;
    c.snapshot_id = snapshot_id;
    c.index = static_cast<std::uint32_t>(chunks.size());
    c.server_tick = server_tick;
    c.payload = chunk.payload();
    chunks.push_back(std::move(c));
    chunk = ChunkBuilder{};
  };

  Bytes record, descriptor, payload;
  for (std::size_t i = 0; i < world.size(); ++i) {
    for (std::size_t k = 0; k < schema.size(); ++k) {
      if (!(world.mask(i) >> k & 1)) continue;
      const ComponentType& type = schema.type(k);
      payload.clear();
      encode_component(type, world.codes(i, k), payload);
      record.clear();
      ByteWriter rw(record);
      write_varint(rw, world.id(i));
      rw.u64le(type.id());
      write_blob(rw, payload);
      descriptor.clear();
      if (!described[k]) {
        ByteWriter dw(descriptor);
        dw.u64le(type.id());
        write_blob(dw, as_bytes(type.name()));
        write_blob(dw, type.layout());
      }
      const std::size_t more = described[k] ? 0 : 1;
      if (chunk.record_count > 0 &&
          chunk.size_with(more, descriptor.size(), record.size()) > options_.max_chunk_payload) {
        close_chunk();
      }
      if (!described[k]) {
        chunk.descriptors.insert(chunk.descriptors.end(), descriptor.begin(), descriptor.end());
        ++chunk.descriptor_count;
        described[k] = true;
      }
      chunk.records.insert(chunk.records.end(), record.begin(), record.end());
      ++chunk.record_count;
    }
  }
  if (chunk.record_count > 0) close_chunk();
  for (auto& c : chunks) c.total = static_cast<std::uint32_t>(chunks.size());
  return chunks;
}

std::size_t snapshot_record_count(const std::vector<protocol::WorldSnapshotChunk>& chunks) {
  std::size_t count = 0;
  for (const auto& c : chunks) {
    ByteReader r(c.payload);
    auto descriptors = read_varint(r);
    if (!descriptors.ok()) continue;
    bool ok = true;
    for (std::uint64_t d = 0; d < *descriptors && ok; ++d) {
      ok = r.u64le().ok() && read_blob(r, "name").ok() && read_blob(r, "layout").ok();
    }
    if (auto records = read_varint(r); ok && records.ok()) count += *records;
  }
  return count;
}

WorldSnapshotAssembler::WorldSnapshotAssembler(std::shared_ptr<const Schema> schema,
                                               SnapshotLimits limits)
    : schema_(std::move(schema)), limits_(limits) {}

Status WorldSnapshotAssembler::add(const protocol::WorldSnapshotChunk& chunk) {
  if (chunk.total == 0 || chunk.total > limits_.max_chunks) {
    return make_error(ErrorCode::kLimitExceeded, "snapshot chunk total ", chunk.total,
                      " is not in 1..", limits_.max_chunks);
  }
  if (chunk.index >= chunk.total) {
    return make_error(ErrorCode::kOutOfRange, "snapshot chunk index ", chunk.index,
                      " is not below its total ", chunk.total);
  }
  if (total_ == 0) {
    snapshot_id_ = chunk.snapshot_id;
    server_tick_ = chunk.server_tick;
    total_ = chunk.total;
    payloads_.resize(total_);
    have_.assign(total_, false);
  } else if (chunk.snapshot_id != snapshot_id_ || chunk.total != total_ ||
             chunk.server_tick != server_tick_) {
    return make_error(ErrorCode::kCorrupt, "snapshot chunk (id ", chunk.snapshot_id, ", total ",
                      chunk.total, ", tick ", chunk.server_tick, ") does not belong to snapshot ",
                      snapshot_id_, " (total ", total_, ", tick ", server_tick_, ")");
  }
  if (have_[chunk.index]) return {};
  if (bytes_ + chunk.payload.size() > limits_.max_total_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "snapshot ", snapshot_id_, " exceeds ",
                      limits_.max_total_bytes, " bytes");
  }
  bytes_ += chunk.payload.size();
  payloads_[chunk.index] = chunk.payload;
  have_[chunk.index] = true;
  ++received_;
  return {};
}

Result<WorldState> WorldSnapshotAssembler::finish() const {
  if (!complete()) {
    return make_error(ErrorCode::kState, "snapshot ", snapshot_id_, " has ", received_, " of ",
                      total_, " chunks");
  }
  WorldState world(schema_);
  std::vector<std::int64_t> row(static_cast<std::size_t>(schema_->row_slots()), 0);
  ComponentMask mask = 0;
  bool have_entity = false;
  EntityId entity = 0;
  std::size_t last_component = 0;
  for (const Bytes& payload : payloads_) {
    ByteReader r(payload);
    THETA_TRY_ASSIGN(std::uint64_t descriptors, read_varint(r, "snapshot descriptor count"));
    if (descriptors > kMaxComponentTypes) {
      return make_error(ErrorCode::kLimitExceeded, "snapshot chunk declares ", descriptors,
                        " descriptors");
    }
    for (std::uint64_t d = 0; d < descriptors; ++d) {
      protocol::ComponentDescriptor descriptor;
      THETA_TRY_ASSIGN(descriptor.component, r.u64le("descriptor id"));
      THETA_TRY_ASSIGN(ByteSpan name, read_blob(r, "descriptor name"));
      THETA_TRY_ASSIGN(ByteSpan layout, read_blob(r, "descriptor layout"));
      descriptor.name.assign(name.begin(), name.end());
      descriptor.layout.assign(layout.begin(), layout.end());
      THETA_TRY(schema_->check_descriptor(descriptor));
    }
    THETA_TRY_ASSIGN(std::uint64_t records, read_varint(r, "snapshot record count"));
    if (records > r.remaining()) {  // every record takes more than one byte
      return make_error(ErrorCode::kCorrupt, "snapshot chunk declares ", records, " records in ",
                        r.remaining(), " bytes");
    }
    for (std::uint64_t n = 0; n < records; ++n) {
      THETA_TRY_ASSIGN(EntityId id, read_varint(r, "record entity"));
      THETA_TRY_ASSIGN(ComponentId component, r.u64le("record component"));
      THETA_TRY_ASSIGN(ByteSpan data, read_blob(r, "record payload"));
      const auto k = schema_->index_of(component);
      if (!k) {
        return make_error(ErrorCode::kCorrupt, "snapshot record of unknown component ", component);
      }
      if (have_entity && (id < entity || (id == entity && *k <= last_component))) {
        return make_error(ErrorCode::kCorrupt, "snapshot records out of order at entity ", id);
      }
      if (have_entity && id != entity) {
        world.append(entity, mask, row);
        std::fill(row.begin(), row.end(), 0);
        mask = 0;
      }
      const ComponentType& type = schema_->type(*k);
      THETA_TRY(decode_component(
          type, data,
          std::span<std::int64_t>(row).subspan(static_cast<std::size_t>(schema_->row_offset(*k)),
                                               static_cast<std::size_t>(type.slots()))));
      mask |= ComponentMask{1} << *k;
      entity = id;
      last_component = *k;
      have_entity = true;
    }
    if (!r.empty()) {
      return make_error(ErrorCode::kCorrupt, "snapshot chunk has ", r.remaining(),
                        " bytes after its records");
    }
  }
  if (have_entity) world.append(entity, mask, row);
  return world;
}

}  // namespace theta_net::replication
