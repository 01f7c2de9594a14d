#include "theta_net/replay/stream_diff.hpp"

#include <algorithm>
#include <cmath>

#include "event_alignment.hpp"
#include "theta_net/replay/json_parser.hpp"
#include "theta_net/replay/tick_group_reader.hpp"
#include "theta_net/replay/value_diff.hpp"

namespace theta_net::replay {
namespace {

Result<std::vector<FieldPattern>> parse_ignores(const DiffOptions& options) {
  std::vector<FieldPattern> patterns;
  for (const std::string& text : options.ignore_fields) {
    THETA_TRY_ASSIGN(FieldPattern p, FieldPattern::parse(text));
    if (p.length() == 1 &&
        (text == "tick" || text == "kind" || text == "entity" || text == "key")) {
      return make_error(ErrorCode::kInvalidArgument, "'", text,
                        "' aligns events and cannot be ignored (to leave out whole events, "
                        "ignore their kind)");
    }
    patterns.push_back(std::move(p));
  }
  return patterns;
}

class StreamDiffer {
 public:
  StreamDiffer(LineReader a, LineReader b, const DiffOptions& options,
               std::vector<FieldPattern> ignore)
      : a_(std::move(a), options.limits),
        b_(std::move(b), options.limits),
        options_(options),
        comparer_(options.float_tol, std::move(ignore)),
        aligner_(options.ignore_kinds) {}

  Result<DiffReport> run() {
    THETA_TRY(compare_headers());
    TickGroup ga, gb;
    THETA_TRY_ASSIGN(bool has_a, a_.next(ga));
    THETA_TRY_ASSIGN(bool has_b, b_.next(gb));
    while (has_a || has_b) {
      aligner_.clear();
      if (has_a && has_b && ga.tick == gb.tick) {
        // The common case: identical bytes, nothing parsed.
        if (ga.bytes() != gb.bytes()) THETA_TRY(compare_tick(ga, gb));
        THETA_TRY_ASSIGN(has_a, a_.next(ga));
        THETA_TRY_ASSIGN(has_b, b_.next(gb));
      } else if (has_a && (!has_b || ga.tick < gb.tick)) {
        THETA_TRY(one_sided(ga, a_, DifferenceType::kMissing));
        THETA_TRY_ASSIGN(has_a, a_.next(ga));
      } else {
        THETA_TRY(one_sided(gb, b_, DifferenceType::kExtra));
        THETA_TRY_ASSIGN(has_b, b_.next(gb));
      }
    }
    report_.events_a = a_.events_read();
    report_.events_b = b_.events_read();
    return std::move(report_);
  }

 private:
  bool keeping() const { return report_.differences.size() < options_.max_differences; }

  void add(Difference d) {
    report_.equal = false;
    ++report_.counts[static_cast<std::size_t>(d.type)];
    if (d.tick && !report_.first_divergent_tick) report_.first_divergent_tick = d.tick;
    if (keeping()) {
      report_.differences.push_back(std::move(d));
    } else {
      report_.truncated = true;
    }
  }

  bool is_state_hash(std::string_view kind) const {
    const auto& kinds = options_.state_hash_kinds;
    return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
  }

  Result<JsonValue> parse_line(TickGroupReader& reader, std::string_view text,
                               std::uint64_t line) const {
    JsonValue value;
    JsonParseError error;
    if (!parse_json(text, value, error, options_.limits.max_depth)) {
      return reader.lines().error_at(line, error.code, "column ", error.column, ": ",
                                     error.message);
    }
    return value;
  }

  Status compare_headers() {
    THETA_TRY_ASSIGN(JsonValue ha, a_.read_header());
    THETA_TRY_ASSIGN(JsonValue hb, b_.read_header());
    changes_.clear();
    comparer_.compare(ha, hb, false, changes_);
    for (FieldChange& change : changes_) {
      Difference d;
      d.type = DifferenceType::kSchema;
      d.line_a = d.line_b = 1;
      d.field = std::move(change.path);
      d.a = std::move(change.a);
      d.b = std::move(change.b);
      add(std::move(d));
    }
    return {};
  }

  // The parts of a difference every type shares: tick, kind, entity, key, occurrence.
  Difference about(DifferenceType type, std::int64_t tick, const EventIdentity& id) const {
    Difference d;
    d.type = type;
    d.tick = tick;
    if (!keeping()) return d;  // only counted: skip the details
    d.kind = std::string(id.kind);
    d.occurrence = id.occurrence;
    // The scanner accepted these tokens, so they parse.
    if (auto v = parse_json(id.entity); !id.entity.empty() && v.ok()) d.entity = std::move(*v);
    if (auto v = parse_json(id.key); !id.key.empty() && v.ok()) d.key = std::move(*v);
    return d;
  }

  Status one_sided(const TickGroup& g, TickGroupReader& reader, DifferenceType type) {
    aligner_.identify(g, ids_);
    for (std::size_t i = 0; i < g.events.size(); ++i) {
      if (ids_[i].ignored) continue;
      THETA_TRY(add_unmatched(g, reader, type, ids_[i], g.events[i]));
    }
    return {};
  }

  Status add_unmatched(const TickGroup& g, TickGroupReader& reader, DifferenceType type,
                       const EventIdentity& id, const ScannedEvent& e) {
    Difference d = about(type, g.tick, id);
    (type == DifferenceType::kMissing ? d.line_a : d.line_b) = e.line_number;
    if (keeping()) {
      THETA_TRY_ASSIGN(d.event, parse_line(reader, g.line(e), e.line_number));
    }
    add(std::move(d));
    return {};
  }

  Status compare_tick(const TickGroup& ga, const TickGroup& gb) {
    aligner_.align(ga, gb, alignment_);
    const TickAlignment& al = alignment_;
    for (std::size_t i = 0; i < ga.events.size(); ++i) {
      if (al.a[i].ignored) continue;
      const ScannedEvent& ea = ga.events[i];
      if (al.b_of_a[i] < 0) {
        THETA_TRY(add_unmatched(ga, a_, DifferenceType::kMissing, al.a[i], ea));
        continue;
      }
      const auto j = static_cast<std::size_t>(al.b_of_a[i]);
      const ScannedEvent& eb = gb.events[j];
      if (al.reordered_a[i]) {
        Difference d = about(DifferenceType::kReordered, ga.tick, al.a[i]);
        d.line_a = ea.line_number;
        d.line_b = eb.line_number;
        d.index_a = static_cast<std::int64_t>(i);
        d.index_b = static_cast<std::int64_t>(j);
        add(std::move(d));
      }
      if (ga.line(ea) != gb.line(eb)) THETA_TRY(compare_events(ga, gb, ea, eb, al.a[i]));
    }
    for (std::size_t j = 0; j < gb.events.size(); ++j) {
      if (al.b[j].ignored || al.a_of_b[j] >= 0) continue;
      THETA_TRY(add_unmatched(gb, b_, DifferenceType::kExtra, al.b[j], gb.events[j]));
    }
    return {};
  }

  Status compare_events(const TickGroup& ga, const TickGroup& gb, const ScannedEvent& ea,
                        const ScannedEvent& eb, const EventIdentity& id) {
    THETA_TRY_ASSIGN(JsonValue va, parse_line(a_, ga.line(ea), ea.line_number));
    THETA_TRY_ASSIGN(JsonValue vb, parse_line(b_, gb.line(eb), eb.line_number));
    changes_.clear();
    comparer_.compare(va, vb, true, changes_);
    if (changes_.empty()) return {};  // equal within the tolerance and the ignored fields
    const bool state_hash = is_state_hash(id.kind);
    if (state_hash && !report_.first_state_hash_divergence) {
      StateHashDivergence s{ga.tick, std::string(id.kind), {}};
      for (const FieldChange& c : changes_) s.sections.push_back(c.top_level);
      std::sort(s.sections.begin(), s.sections.end());
      s.sections.erase(std::unique(s.sections.begin(), s.sections.end()), s.sections.end());
      report_.first_state_hash_divergence = std::move(s);
    }
    for (FieldChange& change : changes_) {
      Difference d = about(DifferenceType::kChanged, ga.tick, id);
      d.line_a = ea.line_number;
      d.line_b = eb.line_number;
      if (keeping()) {
        d.field = std::move(change.path);
        d.a = std::move(change.a);
        d.b = std::move(change.b);
        if (state_hash) d.section = change.top_level;
      }
      add(std::move(d));
    }
    return {};
  }

  TickGroupReader a_, b_;
  const DiffOptions& options_;
  ValueComparer comparer_;
  EventAligner aligner_;
  DiffReport report_;
  // Scratch, reused from tick to tick.
  TickAlignment alignment_;
  std::vector<EventIdentity> ids_;
  std::vector<FieldChange> changes_;
};

}  // namespace

Result<DiffReport> diff_event_streams(LineReader a, LineReader b, const DiffOptions& options) {
  if (!std::isfinite(options.float_tol) || options.float_tol < 0) {
    return make_error(ErrorCode::kInvalidArgument, "float_tol must be a finite number >= 0");
  }
  THETA_TRY_ASSIGN(std::vector<FieldPattern> ignore, parse_ignores(options));
  return StreamDiffer(std::move(a), std::move(b), options, std::move(ignore)).run();
}

Result<DiffReport> diff_event_files(const std::string& path_a, const std::string& path_b,
                                    const DiffOptions& options) {
  THETA_TRY_ASSIGN(LineReader a, LineReader::open(path_a, options.limits.max_line_bytes));
  THETA_TRY_ASSIGN(LineReader b, LineReader::open(path_b, options.limits.max_line_bytes));
  return diff_event_streams(std::move(a), std::move(b), options);
}

}  // namespace theta_net::replay
