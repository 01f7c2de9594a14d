// The stream diff: compares two event streams structurally, tick by tick (docs/replay.md).
//
// Both streams are read one tick at a time (TickGroupReader), so memory follows the busiest
// tick, not the files. A tick whose lines are byte-identical in both streams is equal without
// further work: only the lines are scanned (validated, tick found), never parsed. In a tick that
// differs, events are aligned by (kind, entity, key, occurrence); unmatched events are missing
// (only in A) or extra (only in B); matched events in a different relative order are reordered
// (those outside a longest run in common order); matched events whose lines differ are parsed
// and compared field by field (ValueComparer) into changed values. Header differences are schema
// drift. A changed state-hash event names the section (top-level field) that diverged.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/diff_report.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/line_reader.hpp"

namespace theta_net::replay {

struct DiffOptions {
  double float_tol = 0.0;  // |a - b| <= float_tol when either number is a float
  // Field patterns (FieldPattern: "pos", "stats.ping", "players[*].ping") not compared, in events
  // and headers. The alignment fields (tick, kind, entity, key) cannot be ignored.
  std::vector<std::string> ignore_fields;
  std::vector<std::string> ignore_kinds;  // events of these kinds are left out entirely
  std::vector<std::string> state_hash_kinds = {"state_hash"};
  std::size_t max_differences = 1000;  // kept in the report; all are counted
  ReaderLimits limits;
};

// Compares stream a (the reference) with stream b. Bad input in either is an error naming the
// file and line.
// Errors: kInvalidArgument (a float_tol that is negative or not finite, an ignore_fields entry
// that is no FieldPattern or names an alignment field), and those of TickGroupReader's
// read_header and next on either stream.
Result<DiffReport> diff_event_streams(LineReader a, LineReader b, const DiffOptions& options);
// The same for two files.
// Errors: those of LineReader::open for either path, and those of diff_event_streams.
Result<DiffReport> diff_event_files(const std::string& path_a, const std::string& path_b,
                                    const DiffOptions& options);

}  // namespace theta_net::replay
