#include "theta_net/collab/command_log.hpp"

#include <algorithm>

namespace theta_net::collab {
namespace {

std::size_t counted_bytes(const LoggedCommand& c) {
  return c.entry.payload.size() + kLoggedCommandOverhead;
}

}  // namespace

CommandLog::CommandLog(CommandLogLimits limits, CommandLogSink on_append)
    : limits_(limits), on_append_(std::move(on_append)) {}

std::uint64_t CommandLog::append(protocol::CommandLogEntry entry, data::Version version) {
  const std::uint64_t index = next_index_++;
  entry.index = index;
  entries_.push_back(LoggedCommand{std::move(entry), version});
  held_bytes_ += counted_bytes(entries_.back());
  if (on_append_) on_append_(entries_.back());
  // The newest entry always stays, whatever the limits: the replication of it reads it here.
  while (entries_.size() > 1 &&
         (entries_.size() > limits_.max_entries || held_bytes_ > limits_.max_bytes)) {
    held_bytes_ -= counted_bytes(entries_.front());
    entries_.pop_front();
    ++evicted_;
  }
  return index;
}

Status CommandLog::restore(std::vector<LoggedCommand> entries, std::uint64_t next_index) {
  if (next_index_ != 1) {
    return make_error(ErrorCode::kState, "the log holds ", next_index_ - 1,
                      " entries already; only an empty log restores");
  }
  if (next_index == 0 || entries.size() >= next_index) {
    return make_error(ErrorCode::kInvalidArgument, entries.size(), " entries before index ",
                      next_index);
  }
  const std::uint64_t first = next_index - entries.size();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].entry.index != first + i) {
      return make_error(ErrorCode::kInvalidArgument, "entry ", i, " has index ",
                        entries[i].entry.index, " where ", first + i, " comes");
    }
  }
  next_index_ = next_index;
  evicted_ = first - 1;
  for (LoggedCommand& c : entries) {
    held_bytes_ += counted_bytes(c);
    entries_.push_back(std::move(c));
  }
  while (entries_.size() > 1 &&
         (entries_.size() > limits_.max_entries || held_bytes_ > limits_.max_bytes)) {
    held_bytes_ -= counted_bytes(entries_.front());
    entries_.pop_front();
    ++evicted_;
  }
  return {};
}

const LoggedCommand* CommandLog::at(std::uint64_t index) const {
  if (index < first_index() || index >= next_index_) return nullptr;
  return &entries_[static_cast<std::size_t>(index - first_index())];
}

std::vector<LoggedCommand> CommandLog::from(std::uint64_t index, std::size_t max_count) const {
  std::vector<LoggedCommand> out;
  const std::uint64_t start = std::max(index, first_index());
  for (std::uint64_t i = start; i < next_index_ && out.size() < max_count; ++i) {
    out.push_back(*at(i));
  }
  return out;
}

}  // namespace theta_net::collab
