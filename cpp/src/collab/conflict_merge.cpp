#include "theta_net/collab/conflict_merge.hpp"

#include <set>

#include "theta_net/collab/conflict_reference_merges.hpp"

namespace theta_net::collab {
namespace {

bool is_reference(std::string_view name) {
  return name == data::kCounterMerge || name == data::kSetMerge || name == data::kTextMerge;
}

}  // namespace

std::string_view merge_fallback_name(MergeFallback fallback) {
  switch (fallback) {
    case MergeFallback::kNone:
      return "none";
    case MergeFallback::kNoBase:
      return "no_base";
    case MergeFallback::kUnknownMerge:
      return "unknown_merge";
    case MergeFallback::kDeclined:
      return "declined";
    case MergeFallback::kInvalidResult:
      return "invalid_result";
  }
  return "invalid";
}

Status MergeRegistry::add(std::string name, MergeFunction merge) {
  if (!data::is_valid_name(name)) {
    return make_error(ErrorCode::kInvalidArgument, "merge name '", name, "' must be 1..",
                      data::kMaxNameBytes,
                      " characters of [A-Za-z0-9_], not starting with a digit");
  }
  if (is_reference(name)) {
    return make_error(ErrorCode::kInvalidArgument, "merge name '", name,
                      "' is a reference merge's (counter, set, text)");
  }
  if (!merge) return make_error(ErrorCode::kInvalidArgument, "merge '", name, "' has no function");
  if (custom_.count(name) != 0) {
    return make_error(ErrorCode::kState, "a merge named '", name, "' is registered already");
  }
  custom_.emplace(std::move(name), std::move(merge));
  return {};
}

bool MergeRegistry::has(std::string_view name) const {
  return is_reference(name) || custom_.find(name) != custom_.end();
}

std::vector<std::string> MergeRegistry::missing(const data::DataSchema& schema) const {
  std::set<std::string> names;
  for (const auto& table : schema.tables()) {
    for (std::size_t c = 0; c < table.components.size(); ++c) {
      for (std::size_t f = 0; f < table.components[c].fields.size(); ++f) {
        const data::ConflictStrategy& strategy = table.conflict_strategy(c, f);
        if (strategy.kind == data::ConflictKind::kMerge && !has(strategy.merge)) {
          names.insert(strategy.merge);
        }
      }
    }
  }
  return {names.begin(), names.end()};
}

MergeOutcome MergeRegistry::merge(const data::FieldSpec& field, std::string_view name,
                                  const data::Value& base, const data::Value& mine,
                                  const data::Value& theirs) const {
  if (theirs == base) return {mine, MergeFallback::kNone};
  if (mine == base) return {theirs, MergeFallback::kNone};
  std::optional<data::Value> merged;
  if (name == data::kCounterMerge) {
    merged = merge_counter(field, base, mine, theirs);
  } else if (name == data::kSetMerge) {
    merged = merge_set(field, base, mine, theirs);
  } else if (name == data::kTextMerge) {
    merged = merge_text(field, base, mine, theirs);
  } else {
    const auto it = custom_.find(name);
    if (it == custom_.end()) return {std::nullopt, MergeFallback::kUnknownMerge};
    merged = it->second(field, base, mine, theirs);
  }
  if (!merged) return {std::nullopt, MergeFallback::kDeclined};
  if (!field.check(*merged).ok()) return {std::nullopt, MergeFallback::kInvalidResult};
  return {std::move(merged), MergeFallback::kNone};
}

data::PendingFieldMerge MergeRegistry::pending_write_merge() const {
  auto registry = std::make_shared<const MergeRegistry>(*this);
  return [registry](const data::FieldSpec& field, const data::ConflictStrategy& strategy,
                    const data::Value& base, const data::Value& mine,
                    const data::Value& theirs) -> std::optional<data::Value> {
    if (strategy.kind != data::ConflictKind::kMerge) return std::nullopt;
    return registry->merge(field, strategy.merge, base, mine, theirs).value;
  };
}

}  // namespace theta_net::collab
