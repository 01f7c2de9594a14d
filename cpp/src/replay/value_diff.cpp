#include "theta_net/replay/value_diff.hpp"

#include <cmath>

namespace theta_net::replay {

bool ValueComparer::numbers_equal(const JsonValue& a, const JsonValue& b) const {
  using T = JsonValue::Type;
  if (a.type() == T::kDouble || b.type() == T::kDouble) {
    const double x = a.as_double();
    const double y = b.as_double();
    return x == y || std::fabs(x - y) <= float_tol_;
  }
  if (a.type() != b.type()) return false;  // kInt holds every value that fits int64
  return a.type() == T::kInt ? a.as_int() == b.as_int() : a.as_uint() == b.as_uint();
}

bool ValueComparer::ignored() const {
  for (const FieldPattern& p : ignore_) {
    if (p.matches(path_)) return true;
  }
  return false;
}

void ValueComparer::report(const JsonValue* a, const JsonValue* b,
                           std::vector<FieldChange>& out) const {
  FieldChange change;
  change.path = format_path(path_);
  if (!path_.empty() && !path_[0].is_index) change.top_level = std::string(path_[0].key);
  if (a != nullptr) change.a = *a;
  if (b != nullptr) change.b = *b;
  out.push_back(std::move(change));
}

void ValueComparer::compare(const JsonValue& a, const JsonValue& b, bool skip_alignment,
                            std::vector<FieldChange>& out) {
  path_.clear();
  if (a.is_object() && b.is_object()) {
    compare_members(a.as_object(), b.as_object(), skip_alignment, out);
  } else {
    compare_at(a, b, out);
  }
}

void ValueComparer::compare_members(const JsonObject& x, const JsonObject& y, bool skip_alignment,
                                    std::vector<FieldChange>& out) {
  auto alignment = [&](const std::string& key) {
    return skip_alignment && (key == "tick" || key == "kind" || key == "entity" || key == "key");
  };
  std::size_t i = 0, j = 0;  // both sorted by key (parse_json's order): a merge walk
  while (i < x.size() || j < y.size()) {
    const int order = i == x.size() ? 1 : j == y.size() ? -1 : x[i].first.compare(y[j].first);
    const std::string& key = order <= 0 ? x[i].first : y[j].first;
    if (!alignment(key)) {
      path_.push_back({key, 0, false});
      if (!ignored()) {
        if (order == 0) {
          compare_at(x[i].second, y[j].second, out);
        } else {
          report(order < 0 ? &x[i].second : nullptr, order > 0 ? &y[j].second : nullptr, out);
        }
      }
      path_.pop_back();
    }
    if (order <= 0) ++i;
    if (order >= 0) ++j;
  }
}

void ValueComparer::compare_at(const JsonValue& a, const JsonValue& b,
                               std::vector<FieldChange>& out) {
  using T = JsonValue::Type;
  if (a.is_number() && b.is_number()) {
    if (!numbers_equal(a, b)) report(&a, &b, out);
    return;
  }
  if (a.type() != b.type()) {
    report(&a, &b, out);
    return;
  }
  switch (a.type()) {
    case T::kNull:
      return;
    case T::kBool:
      if (a.as_bool() != b.as_bool()) report(&a, &b, out);
      return;
    case T::kString:
      if (a.as_string() != b.as_string()) report(&a, &b, out);
      return;
    case T::kArray: {
      const JsonArray& x = a.as_array();
      const JsonArray& y = b.as_array();
      if (x.size() != y.size()) {
        report(&a, &b, out);
        return;
      }
      for (std::size_t i = 0; i < x.size(); ++i) {
        path_.push_back({{}, i, true});
        if (!ignored()) compare_at(x[i], y[i], out);
        path_.pop_back();
      }
      return;
    }
    case T::kObject:
      compare_members(a.as_object(), b.as_object(), false, out);
      return;
    default:
      return;
  }
}

}  // namespace theta_net::replay
