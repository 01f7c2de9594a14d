// ValueComparer: the structural comparison of two JSON values (two versions of one event, or two
// stream headers) into a list of changed fields. Integers compare exactly (they are ids, counts
// and hashes: a tolerance would hide a real divergence); when either number is a float, the two
// are equal within float_tol. Objects compare key by key, arrays of equal length element by
// element; arrays of different lengths or values of different types are one change.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "theta_net/replay/field_path.hpp"
#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {

struct FieldChange {
  std::string path;               // "pos[0]"
  std::string top_level;          // the first key of the path ("pos")
  std::optional<JsonValue> a, b;  // absent: the field exists only in the other value
};

class ValueComparer {
 public:
  ValueComparer(double float_tol, std::vector<FieldPattern> ignore)
      : float_tol_(float_tol), ignore_(std::move(ignore)) {}

  // Appends the changes between a and b. With skip_alignment, the top-level tick, kind, entity
  // and key are not compared (the diff matched the events on them).
  void compare(const JsonValue& a, const JsonValue& b, bool skip_alignment,
               std::vector<FieldChange>& out);

  bool numbers_equal(const JsonValue& a, const JsonValue& b) const;

 private:
  void compare_at(const JsonValue& a, const JsonValue& b, std::vector<FieldChange>& out);
  void compare_members(const JsonObject& x, const JsonObject& y, bool skip_alignment,
                       std::vector<FieldChange>& out);
  bool ignored() const;
  void report(const JsonValue* a, const JsonValue* b, std::vector<FieldChange>& out) const;

  double float_tol_;
  std::vector<FieldPattern> ignore_;
  std::vector<PathSegment> path_;
};

}  // namespace theta_net::replay
