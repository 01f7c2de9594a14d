// EditorRelay: what a server does with clients' EditorEvents (tool activations, selection
// highlights, gizmo transforms, panel updates), sans-I/O. An event comes in with its sender and
// `now`; the server's tick flushes the events taken since the last flush to every other client
// whose tool scopes (its InterestUpdate's `scopes`) hold the event's `tool`, or "*".
//
//   author     set to the sender's session id: a client cannot speak for another
//   checked    a known kind and a non-empty tool (the scope); else a typed error, nothing kept
//   rate       a token bucket per sender (events_per_second, burst): an event past it is
//              dropped with kLimitExceeded, so one client cannot flood the others
//   coalesced  a gizmo_transform replaces the pending one of the same sender, tool and
//              entities (in its place, without spending rate): a drag relays only its latest
//              transform each tick
//   bounded    at most max_pending events and max_pending_bytes wait for a flush, whatever the
//              senders
//
// Who may send is the session layer's (the permission table lets editors and admins send
// EditorEvent); who receives is decided here by scope alone, so a viewer or player that asked for
// a tool's scope watches the editing (read-only: it may not send). Deterministic: the same events
// at the same times give the same deliveries in the same order (senders' order of arrival,
// recipients in the caller's order).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

struct EditorRelayConfig {
  double events_per_second = 60;   // per sender, refilled continuously
  double burst = 60;               // the bucket's size
  std::size_t max_pending = 4096;  // events waiting for the next flush, all senders together
  std::size_t max_pending_bytes = 1u << 20;  // and their payloads, entities and tools
};

// A sender's figures.
struct EditorSenderStats {
  std::uint64_t received = 0;   // taken (coalesced ones included)
  std::uint64_t coalesced = 0;  // gizmo transforms that replaced a pending one
  std::uint64_t dropped = 0;    // over the rate or the pending bound
  std::uint64_t refused = 0;    // an unknown kind or no tool
  std::uint64_t delivered = 0;  // copies flushed to other clients
};

struct EditorRelayTotals {
  std::uint64_t received = 0, coalesced = 0, dropped = 0, refused = 0, delivered = 0;

  template <class F>
  void visit(F&& f) const {
    f("editor_events_received", received);
    f("editor_events_coalesced", coalesced);
    f("editor_events_dropped", dropped);
    f("editor_events_refused", refused);
    f("editor_events_delivered", delivered);
  }
};

// One client the flush may deliver to: its id and its tool scopes.
struct EditorRecipient {
  std::uint64_t id = 0;
  const std::set<std::string>* scopes = nullptr;  // null: none
};

struct EditorDelivery {
  std::uint64_t to = 0;
  protocol::EditorEvent event;
};

class EditorRelay {
 public:
  explicit EditorRelay(EditorRelayConfig config = {}) : config_(config) {}

  // Takes an event from `sender` at `now` for the next flush (its author set to `sender`).
  // Errors: kInvalidArgument (an EditorEventKind this build does not know, or an empty tool),
  // kLimitExceeded (the sender is over its rate, or max_pending events wait: dropped); counted.
  Status on_event(std::uint64_t sender, protocol::EditorEvent event, Micros now);
  // The events taken since the last flush, each to every recipient other than its sender whose
  // scopes hold its tool or "*", in arrival order and, per event, in the recipients' order.
  std::vector<EditorDelivery> flush(const std::vector<EditorRecipient>& recipients);
  // The client is gone: its bucket, figures and pending events go (the totals keep them).
  void forget(std::uint64_t sender);

  const EditorSenderStats* stats(std::uint64_t sender) const;
  const EditorRelayTotals& totals() const { return totals_; }
  std::size_t pending() const { return pending_.size(); }

 private:
  struct Sender {
    double tokens = 0;
    Micros refilled{0};
    bool started = false;
    EditorSenderStats stats;
  };
  struct Pending {
    std::uint64_t sender = 0;
    protocol::EditorEvent event;
  };
  // What an event weighs against max_pending_bytes.
  static std::size_t event_bytes(const protocol::EditorEvent& event);
  // A coalesced transform: the waiting bytes lose the replaced event's and gain the new one's.
  void replace_pending_bytes(const Pending& replaced, const protocol::EditorEvent& by);

  EditorRelayConfig config_;
  std::map<std::uint64_t, Sender> senders_;
  std::vector<Pending> pending_;
  std::size_t pending_bytes_ = 0;
  EditorRelayTotals totals_;
};

}  // namespace theta_net::session
