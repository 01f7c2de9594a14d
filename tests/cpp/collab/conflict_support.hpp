// What the conflict tests share: an editor schema with a field of every strategy, authors, and a
// server made of a Store and a ConflictResolver that commits each command as its own version.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "theta_net/collab/conflict_resolver.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"

namespace theta_net::collab::testing {

// docs: lww by default; meta.owner server, votes a counter, tags a set, body text, score an f64
// counter, color an application merge ("mix"); locks: server by default.
inline constexpr const char* kEditorSchema = R"([schema]
name = "editor"
version = "1.0"

[[table]]
name = "docs"
conflict = "lww"

[[table.component]]
name = "meta"
fields = [
  { name = "title", type = "string", max = 64 },
  { name = "owner", type = "string", max = 64, conflict = "server" },
  { name = "votes", type = "int", min = 0, max = 1000, conflict = "merge:counter" },
  { name = "tags", type = "string", max = 256, conflict = "merge:set" },
  { name = "body", type = "string", max = 4096, conflict = "merge:text" },
  { name = "score", type = "f64", conflict = "merge:counter" },
  { name = "color", type = "int", min = 0, max = 255, conflict = "merge:mix" },
]

[[table.component]]
name = "pos"
fields = [
  { name = "x", type = "int", min = -1000, max = 1000 },
  { name = "y", type = "int", min = -1000, max = 1000 },
]

[[table]]
name = "locks"

[[table.component]]
name = "lock"
fields = [{ name = "holder", type = "int", min = 0, max = 100 }]
)";

// Field indices of the editor schema.
inline constexpr std::uint16_t kDocs = 0, kLocks = 1;
inline constexpr std::uint16_t kMeta = 0, kPos = 1, kLock = 0;
inline constexpr std::uint16_t kTitle = 0, kOwner = 1, kVotes = 2, kTags = 3, kBody = 4, kScore = 5,
                               kColor = 6;
inline constexpr std::uint16_t kX = 0, kY = 1, kHolder = 0;

inline std::shared_ptr<const data::DataSchema> editor_schema() {
  auto schema = data::DataSchema::from_toml(kEditorSchema);
  EXPECT_TRUE(schema.ok()) << schema.error().describe();
  return schema.ok() ? *schema : nullptr;
}

inline AuthorKey author(std::uint8_t n) {
  AuthorKey key{};
  key.fill(n);
  return key;
}

// One upsert of one field.
inline std::vector<data::Op> set_op(std::uint16_t table, data::EntityId entity,
                                    std::uint16_t component, std::uint16_t field,
                                    data::Value value) {
  data::Op op;
  op.table = table;
  op.entity = entity;
  op.writes.push_back(data::ComponentWrite{component, {data::FieldWrite{field, std::move(value)}}});
  return {op};
}

// A store and a resolver; every command is committed as its own version.
class ConflictServer {
 public:
  explicit ConflictServer(std::shared_ptr<const data::DataSchema> schema,
                          ConflictResolverConfig config = {})
      : store(schema), resolver(schema, config) {}

  // Resolves and commits (unless refused); returns the resolution.
  Resolution submit(const std::vector<data::Op>& ops, const CommandContext& context) {
    auto resolution = resolver.resolve(ops, context, store);
    EXPECT_TRUE(resolution.ok()) << resolution.error().describe();
    if (!resolution.ok()) return {};
    if (!resolution->refused) {
      const data::Version next = store.version() + 1;
      const Status applied =
          store.apply(data::Batch{store.version(), next, Micros{0}, resolution->ops});
      EXPECT_TRUE(applied.ok()) << applied.error().describe();
      resolver.committed(resolution->ops, context, next);
    }
    return std::move(resolution).value();
  }

  // Writes one field as `who`, based on `base`, with Lamport clock `lamport`.
  Resolution write(std::uint8_t who, std::uint64_t lamport, data::Version base, std::uint16_t table,
                   data::EntityId entity, std::uint16_t component, std::uint16_t field,
                   data::Value value) {
    return submit(set_op(table, entity, component, field, std::move(value)),
                  CommandContext{author(who), lamport, base});
  }

  data::Value get(std::uint16_t table, data::EntityId entity, std::uint16_t component,
                  std::uint16_t field) const {
    const data::Table& t = store.table(table);
    const auto row = t.find(entity);
    if (!row) return t.spec().components[component].fields[field].default_value;
    return t.get(*row, component, field);
  }

  data::Store store;
  ConflictResolver resolver;
};

}  // namespace theta_net::collab::testing
