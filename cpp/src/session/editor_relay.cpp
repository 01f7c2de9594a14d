#include "theta_net/session/editor_relay.hpp"

#include <algorithm>

namespace theta_net::session {
namespace {

// The scope every tool's events reach.
constexpr std::string_view kEveryTool = "*";

bool in_scope(const std::set<std::string>* scopes, const std::string& tool) {
  if (!scopes) return false;
  return scopes->contains(tool) || scopes->contains(std::string(kEveryTool));
}

}  // namespace

Status EditorRelay::on_event(std::uint64_t sender, protocol::EditorEvent event, Micros now) {
  Sender& s = senders_[sender];
  if (!protocol::enum_is_valid(event.kind) || event.tool.empty()) {
    ++s.stats.refused;
    ++totals_.refused;
    return make_error(ErrorCode::kInvalidArgument,
                      event.tool.empty() ? "an EditorEvent names its tool (the scope it goes to)"
                                         : "an EditorEvent of an unknown kind");
  }
  // A transform that replaces a waiting one adds nothing to the fan-out: it costs no token, so
  // a fast drag's last position is never the one dropped.
  event.author = sender;
  if (event.kind == protocol::EditorEventKind::kGizmoTransform) {
    for (Pending& p : pending_) {
      if (p.sender == sender && p.event.kind == event.kind && p.event.tool == event.tool &&
          p.event.entities == event.entities) {
        replace_pending_bytes(p, event);
        p.event = std::move(event);
        ++s.stats.received;
        ++s.stats.coalesced;
        ++totals_.received;
        ++totals_.coalesced;
        return {};
      }
    }
  }
  // The bucket starts full; it refills with time, never past `burst`.
  if (!s.started) {
    s.started = true;
    s.tokens = config_.burst;
  } else if (now > s.refilled) {
    const double seconds = static_cast<double>((now - s.refilled).count()) / 1e6;
    s.tokens = std::min(config_.burst, s.tokens + seconds * config_.events_per_second);
  }
  s.refilled = std::max(s.refilled, now);
  if (s.tokens < 1) {
    ++s.stats.dropped;
    ++totals_.dropped;
    return make_error(ErrorCode::kLimitExceeded, "more than ", config_.events_per_second,
                      " EditorEvents a second (burst ", config_.burst, ")");
  }
  s.tokens -= 1;
  const std::size_t bytes = event_bytes(event);
  if (pending_.size() >= config_.max_pending ||
      pending_bytes_ + bytes > config_.max_pending_bytes) {
    ++s.stats.dropped;
    ++totals_.dropped;
    return make_error(ErrorCode::kLimitExceeded,
                      "the EditorEvents waiting for the next tick are at ", "their bound (",
                      config_.max_pending, " events, ", config_.max_pending_bytes, " bytes)");
  }
  pending_bytes_ += bytes;
  pending_.push_back({sender, std::move(event)});
  ++s.stats.received;
  ++totals_.received;
  return {};
}

std::vector<EditorDelivery> EditorRelay::flush(const std::vector<EditorRecipient>& recipients) {
  std::vector<EditorDelivery> out;
  for (Pending& p : pending_) {
    Sender& s = senders_[p.sender];
    for (const EditorRecipient& r : recipients) {
      if (r.id == p.sender || !in_scope(r.scopes, p.event.tool)) continue;
      out.push_back({r.id, p.event});
      ++s.stats.delivered;
      ++totals_.delivered;
    }
  }
  pending_.clear();
  pending_bytes_ = 0;
  return out;
}

void EditorRelay::forget(std::uint64_t sender) {
  senders_.erase(sender);
  std::erase_if(pending_, [sender](const Pending& p) { return p.sender == sender; });
  pending_bytes_ = 0;
  for (const Pending& p : pending_) pending_bytes_ += event_bytes(p.event);
}

std::size_t EditorRelay::event_bytes(const protocol::EditorEvent& event) {
  return event.payload.size() + event.entities.size() * sizeof(std::uint64_t) + event.tool.size();
}

void EditorRelay::replace_pending_bytes(const Pending& replaced, const protocol::EditorEvent& by) {
  pending_bytes_ += event_bytes(by);
  pending_bytes_ -= std::min(pending_bytes_, event_bytes(replaced.event));
}

const EditorSenderStats* EditorRelay::stats(std::uint64_t sender) const {
  const auto it = senders_.find(sender);
  return it == senders_.end() ? nullptr : &it->second.stats;
}

}  // namespace theta_net::session
