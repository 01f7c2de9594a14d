// How metric and counter structs name their fields for generic readers (the Python dict
// converter in cpp/bindings/metrics_convert.hpp, tests), as the generated wire messages do for
// the codecs. A struct with named fields has a member
//
//   template <class F> void visit(F&& f) const;
//
// that calls f(std::string_view name, const auto& value) once per field, in a stable order. The
// name is the public one (the Python dict key), which may differ from the C++ member's. Figures
// derived from the fields (means, quantiles) are computed once, by functions next to the struct,
// and visited as named values too. A value is a number, a bool, a string, a Micros/Nanos, a
// vector of values, or another struct with named fields (a nested table). Unlike the messages'
// visit(), it is read-only: derived values have no member to write to.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace theta_net {

template <class T>
concept NamesFields = requires(const T& value) {
  value.visit([](std::string_view, const auto&) {});
};

// Visits `nested`'s fields as if they were the caller's own, each name prefixed: the flat
// "inputs_applied", "inputs_late", ... of a table that holds an input buffer's stats.
template <NamesFields T, class F>
void visit_inline(std::string_view prefix, const T& nested, F&& f) {
  nested.visit([&](std::string_view name, const auto& value) {
    std::string full;
    full.reserve(prefix.size() + name.size());
    full.append(prefix).append(name);
    f(std::string_view(full), value);
  });
}

}  // namespace theta_net
