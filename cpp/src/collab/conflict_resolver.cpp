#include "theta_net/collab/conflict_resolver.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

namespace theta_net::collab {
namespace {

constexpr std::size_t kMaxRefusalText = 1024;

data::Value field_value(const data::Store& store, const FieldKey& key) {
  const data::Table& table = store.table(key.table);
  if (const auto row = table.find(key.entity)) return table.get(*row, key.component, key.field);
  return table.spec().components[key.component].fields[key.field].default_value;
}

bool same_context(const CommandContext& a, const CommandContext& b) {
  return a.author == b.author && a.lamport == b.lamport && a.base_version == b.base_version;
}

// "players.health.hp of entity 7 was written by <16 hex digits> at version 12, after version 10
// this write was based on (strategy server: the first committed write wins)".
std::string refusal_text(const data::DataSchema& schema, const ConflictRecord& first,
                         std::size_t more) {
  const data::TableSpec& table = schema.table(first.table);
  const data::ComponentSpec& component = table.components[first.component];
  std::string text = str_cat(
      table.name, ".", component.name, ".", component.fields[first.field].name, " of entity ",
      first.entity, " was written by ", author_hex(first.their_author).substr(0, 16),
      " at version ", first.their_version, ", after version ", first.base_version,
      " this write was based on (strategy server: the first committed write wins)");
  if (more > 0) text += str_cat("; and ", more, " more field", more == 1 ? "" : "s");
  if (text.size() > kMaxRefusalText) text.resize(kMaxRefusalText);
  return text;
}

}  // namespace

ConflictResolver::ConflictResolver(std::shared_ptr<const data::DataSchema> schema,
                                   ConflictResolverConfig config, data::Version start_version)
    : schema_(std::move(schema)),
      history_(config.history, start_version),
      log_(config.log_capacity) {}

void ConflictResolver::restart(data::Version start_version) {
  history_ = FieldHistory(history_.limits(), start_version);
  staged_.reset();
}

bool ConflictResolver::settle(ConflictRecord& record, const data::FieldSpec& field,
                              const FieldWriteRecord& theirs) {
  const data::ConflictStrategy& strategy = record.strategy;
  if (strategy.kind == data::ConflictKind::kServer) {
    record.outcome = ConflictOutcome::kRefused;
    record.result = record.theirs;
    return false;
  }
  if (strategy.kind == data::ConflictKind::kMerge) {
    if (!record.base) {
      record.fallback = MergeFallback::kNoBase;
    } else {
      MergeOutcome merged =
          merges_.merge(field, strategy.merge, *record.base, record.mine, record.theirs);
      if (merged.value) {
        record.outcome = ConflictOutcome::kMerged;
        record.result = std::move(*merged.value);
        return true;
      }
      record.fallback = merged.fallback;
    }
  }
  // Last writer wins: the later Lamport clock, then the larger author key.
  const bool mine_wins =
      std::tie(record.lamport, record.author) > std::tie(theirs.lamport, theirs.author);
  record.outcome = mine_wins ? ConflictOutcome::kApplied : ConflictOutcome::kDropped;
  record.result = mine_wins ? record.mine : record.theirs;
  return mine_wins;
}

Result<Resolution> ConflictResolver::resolve(const std::vector<data::Op>& ops,
                                             const CommandContext& context,
                                             const data::Store& store) {
  if (store.schema().hash() != schema_->hash()) {
    return make_error(ErrorCode::kInvalidArgument, "the store's schema '", store.schema().name(),
                      "' is not the resolver's '", schema_->name(), "'");
  }
  THETA_TRY(store.check(ops));
  staged_.reset();
  const data::Version open_version = store.version() + 1;
  Staged staged{context, {}, {}, {}};
  Resolution resolution;
  std::vector<ConflictRecord> refusals;

  for (const data::Op& op : ops) {
    if (op.kind != data::OpKind::kUpsert) {
      resolution.ops.push_back(op);
      continue;
    }
    const data::TableSpec& table = schema_->table(op.table);
    data::Op settled{op.table, op.entity, op.kind, {}, op.components};
    for (const data::ComponentWrite& write : op.writes) {
      data::ComponentWrite kept{write.component, {}};
      for (const data::FieldWrite& field_write : write.fields) {
        const FieldKey key{op.table, op.entity, write.component, field_write.field};
        const data::FieldSpec& field = table.components[write.component].fields[field_write.field];
        staged.intended.insert_or_assign(key, field_write.value);
        if (history_.find(key) == nullptr) {
          staged.before.insert_or_assign(key, field_value(store, key));
          if (context.base_version < history_.forgotten_through()) ++stats_.unchecked_writes;
        }
        const FieldWriteRecord* theirs =
            history_.concurrent_with(key, context.author, context.base_version);
        if (theirs == nullptr) {
          kept.fields.push_back(field_write);
          continue;
        }
        ConflictRecord record;
        record.version = open_version;
        record.table = op.table;
        record.entity = op.entity;
        record.component = write.component;
        record.field = field_write.field;
        record.author = context.author;
        record.lamport = context.lamport;
        record.base_version = context.base_version;
        record.their_author = theirs->author;
        record.their_lamport = theirs->lamport;
        record.their_version = theirs->version;
        record.base = history_.base_for(key, context.author, context.base_version);
        record.mine = field_write.value;
        record.theirs = field_value(store, key);
        record.strategy = table.conflict_strategy(write.component, field_write.field);
        if (settle(record, field, *theirs)) {
          kept.fields.push_back(data::FieldWrite{field_write.field, record.result});
        } else if (record.outcome == ConflictOutcome::kRefused) {
          refusals.push_back(record);
        }
        resolution.conflicts.push_back(std::move(record));
      }
      // A component write whose every field lost goes too (left empty it would mean "add the
      // component at its defaults", which the author did not ask for).
      if (!kept.fields.empty() || write.fields.empty()) settled.writes.push_back(std::move(kept));
    }
    // So does an upsert whose every write lost (it would create the entity).
    if (!settled.writes.empty() || op.writes.empty()) resolution.ops.push_back(std::move(settled));
  }

  ++stats_.commands;
  if (!refusals.empty()) {
    ++stats_.refused;
    stats_.conflicts += refusals.size();
    resolution.refused = true;
    resolution.ops.clear();
    resolution.text = refusal_text(*schema_, refusals.front(), refusals.size() - 1);
    for (const ConflictRecord& record : refusals) log_.add(record);
    resolution.conflicts = std::move(refusals);
    return resolution;
  }
  stats_.conflicts += resolution.conflicts.size();
  staged.conflicts = resolution.conflicts;
  staged_ = std::move(staged);
  return resolution;
}

void ConflictResolver::committed(const std::vector<data::Op>& ops, const CommandContext& context,
                                 data::Version version) {
  std::optional<Staged> staged = std::exchange(staged_, std::nullopt);
  if (staged && !same_context(staged->context, context)) staged.reset();
  for (const data::Op& op : ops) {
    if (op.table >= schema_->tables().size()) continue;
    const data::TableSpec& table = schema_->table(op.table);
    if (op.kind == data::OpKind::kRemoveEntity) {
      history_.record_removal(op.table, op.entity, ~std::uint64_t{0}, table, version,
                              context.author, context.lamport);
      continue;
    }
    if (op.kind == data::OpKind::kRemoveComponents) {
      history_.record_removal(op.table, op.entity, op.components, table, version, context.author,
                              context.lamport);
      continue;
    }
    for (const data::ComponentWrite& write : op.writes) {
      for (const data::FieldWrite& field_write : write.fields) {
        const FieldKey key{op.table, op.entity, write.component, field_write.field};
        data::Value intended = field_write.value;
        std::optional<data::Value> before;
        if (staged) {
          if (auto it = staged->intended.find(key); it != staged->intended.end()) {
            intended = it->second;
          }
          if (auto it = staged->before.find(key); it != staged->before.end()) before = it->second;
        }
        history_.record(key,
                        FieldWriteRecord{version, context.author, context.lamport,
                                         field_write.value, std::move(intended), false},
                        std::move(before));
      }
    }
  }
  if (!staged) return;
  for (ConflictRecord& record : staged->conflicts) {
    record.version = version;
    log_.add(std::move(record));
  }
}

}  // namespace theta_net::collab
