#include "theta_net/data/conflict_strategy.hpp"

#include "theta_net/data/field_spec.hpp"

namespace theta_net::data {
namespace {

constexpr std::string_view kMergePrefix = "merge:";

Error unknown(std::string_view text) {
  return make_error(ErrorCode::kInvalidArgument, "unknown conflict strategy '", text,
                    "' (expected server, lww, merge:counter, merge:set, merge:text or "
                    "merge:<name> with a name of [A-Za-z0-9_])");
}

}  // namespace

std::string ConflictStrategy::text() const {
  switch (kind) {
    case ConflictKind::kServer:
      return "server";
    case ConflictKind::kLww:
      return "lww";
    case ConflictKind::kMerge:
      return std::string(kMergePrefix) + merge;
  }
  return "invalid";
}

Result<ConflictStrategy> parse_conflict_strategy(std::string_view text) {
  if (text == "server") return ConflictStrategy::server();
  if (text == "lww") return ConflictStrategy::lww();
  if (text.starts_with(kMergePrefix) && is_valid_name(text.substr(kMergePrefix.size()))) {
    return ConflictStrategy::merge_by(std::string(text.substr(kMergePrefix.size())));
  }
  return unknown(text);
}

Status validate_conflict_strategy(const ConflictStrategy& strategy) {
  switch (strategy.kind) {
    case ConflictKind::kServer:
    case ConflictKind::kLww:
      if (!strategy.merge.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "conflict strategy ", strategy.text(),
                          " names a merge ('", strategy.merge, "'); only merge strategies do");
      }
      return {};
    case ConflictKind::kMerge:
      if (!is_valid_name(strategy.merge)) return unknown(strategy.text());
      return {};
  }
  return make_error(ErrorCode::kInvalidArgument, "conflict strategy of unknown kind ",
                    int{static_cast<std::uint8_t>(strategy.kind)});
}

Status check_strategy_fits(const ConflictStrategy& strategy, const FieldSpec& field) {
  if (strategy.kind != ConflictKind::kMerge) return {};
  if (strategy.merge == kCounterMerge) {
    const bool numeric = field.type == FieldType::kInt || field.type == FieldType::kFixed ||
                         field.type == FieldType::kFloat || field.type == FieldType::kF64;
    if (!numeric) {
      return make_error(ErrorCode::kInvalidArgument, "conflict \"merge:counter\" needs a numeric ",
                        "field (int, fixed, float or f64), and '", field.name, "' is ",
                        field_type_name(field.type));
    }
  } else if (strategy.merge == kSetMerge || strategy.merge == kTextMerge) {
    if (!field.is_text()) {
      return make_error(ErrorCode::kInvalidArgument, "conflict \"", strategy.text(),
                        "\" needs a string or bytes field, and '", field.name, "' is ",
                        field_type_name(field.type));
    }
  }
  return {};
}

}  // namespace theta_net::data
