// The reference merges of the `merge:counter`, `merge:set` and `merge:text` conflict strategies
// (docs/collaboration.md, "Conflicts"). Each is a pure function of the field and three values
// (base, mine, theirs) and returns nullopt for values that are not the field's representation.
// MergeRegistry::merge handles the cases where one side did not change the field and checks the
// result against the field (a set or text merge can outgrow the field's max bytes), so these are
// called with both sides changed, but are correct for any input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/data/field_spec.hpp"

namespace theta_net::collab {

// Counter: theirs + (mine - base), each side's delta kept. Integer codes (int, fixed, float
// fields) are added exactly and clamped to the field's range of codes (min..max, or
// 0..2^bits-1 for float); f64 values are added in that order in doubles, a result past the
// largest finite double clamped to it. Arrays merge element by element.
std::optional<data::Value> merge_counter(const data::FieldSpec& field, const data::Value& base,
                                         const data::Value& mine, const data::Value& theirs);

// Set: a text or bytes field holding a set of elements, one per line ('\n'; empty lines are not
// elements). The result holds every element of mine or theirs except those base held and either
// side removed (a removal is a tombstone: it wins over the other side keeping the element), in
// byte order, joined by '\n' with no trailing newline. An element both sides add appears once.
std::optional<data::Value> merge_set(const data::FieldSpec& field, const data::Value& base,
                                     const data::Value& mine, const data::Value& theirs);

// Text: a three-way line merge (diff3's shape). Lines are the pieces between '\n's. Each side is
// matched to base by a longest common subsequence of lines (after their common first and last
// lines; a middle of more than kMaxLineMergeCells base x side lines is matched by nothing, so it
// becomes one changed region). Base lines matched on both sides are kept and split the texts
// into regions; a region only one side changed takes that side's lines; a region both changed
// alike takes them once; a region both changed differently takes theirs' lines (the write
// committed first), then mine's. So two concurrent inserts at the same place both stay, theirs
// first.
std::optional<data::Value> merge_text(const data::FieldSpec& field, const data::Value& base,
                                      const data::Value& mine, const data::Value& theirs);

inline constexpr std::size_t kMaxLineMergeCells = std::size_t{1} << 20;

// The pieces of text between '\n's (n newlines give n + 1 pieces; "" gives one empty piece):
// joining them with '\n' gives the text back.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace theta_net::collab
