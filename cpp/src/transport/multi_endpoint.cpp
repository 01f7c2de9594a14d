#include "theta_net/transport/multi_endpoint.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace theta_net::transport {

Result<std::unique_ptr<MultiEndpoint>> MultiEndpoint::create(
    std::vector<std::unique_ptr<Endpoint>> members) {
  if (members.empty()) return make_error(ErrorCode::kInvalidArgument, "a MultiEndpoint of none");
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) return make_error(ErrorCode::kIo, "eventfd(): ", std::strerror(errno));
  return std::unique_ptr<MultiEndpoint>(new MultiEndpoint(std::move(members), wake));
}

MultiEndpoint::MultiEndpoint(std::vector<std::unique_ptr<Endpoint>> members, int wake_fd)
    : members_(std::move(members)), wake_fd_(wake_fd) {}

MultiEndpoint::~MultiEndpoint() {
  ::close(wake_fd_);
}

const MultiEndpoint::Inner* MultiEndpoint::find(ConnectionId conn) const {
  const auto it = inner_.find(conn);
  return it == inner_.end() ? nullptr : &it->second;
}

std::optional<std::size_t> MultiEndpoint::member_of(ConnectionId conn) const {
  if (const Inner* in = find(conn)) return in->first;
  return std::nullopt;
}

Status MultiEndpoint::send(ConnectionId conn, Lane lane, ByteSpan message) {
  const Inner* in = find(conn);
  if (!in) return make_error(ErrorCode::kClosed, "connection ", conn.value, " is not open");
  return members_[in->first]->send(in->second, lane, message);
}

void MultiEndpoint::poll(std::chrono::nanoseconds max_wait) {
  std::vector<pollfd> fds{{wake_fd_, POLLIN, 0}};
  std::chrono::nanoseconds wait = std::max(max_wait, std::chrono::nanoseconds(0));
  for (auto& m : members_) {
    auto set = m->wait_set();
    if (!set) {
      wait = std::chrono::nanoseconds(0);  // cannot be waited on: poll it now
      continue;
    }
    wait = std::min(wait, set->timeout);
    fds.insert(fds.end(), set->fds.begin(), set->fds.end());
  }
  if (wait.count() > 0) {
    const timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                      static_cast<long>(wait.count() % 1'000'000'000)};
    if (::ppoll(fds.data(), fds.size(), &ts, nullptr) > 0 && (fds[0].revents & POLLIN)) {
      std::uint64_t drained = 0;
      [[maybe_unused]] const auto n = ::read(wake_fd_, &drained, sizeof drained);
    }
  }
  for (auto& m : members_) m->poll(std::chrono::nanoseconds(0));
}

std::optional<Event> MultiEndpoint::next_event() {
  // Members take turns, so a busy one cannot keep another's events waiting.
  for (std::size_t k = 0; k < members_.size(); ++k) {
    const std::size_t i = (next_member_ + k) % members_.size();
    auto e = members_[i]->next_event();
    if (!e) continue;
    next_member_ = (i + 1) % members_.size();
    const Inner key{i, e->conn};
    auto it = outer_.find(key);
    if (it == outer_.end()) {
      const ConnectionId ours{next_id_++};
      it = outer_.emplace(key, ours).first;
      inner_.emplace(ours, key);
    }
    const ConnectionId ours = it->second;
    if (e->kind == EventKind::kDisconnected || e->kind == EventKind::kTimedOut) {
      inner_.erase(ours);
      outer_.erase(it);
    }
    e->conn = ours;
    return e;
  }
  return std::nullopt;
}

void MultiEndpoint::close(ConnectionId conn, std::uint64_t app_error_code,
                          std::string_view reason) {
  if (const Inner* in = find(conn)) members_[in->first]->close(in->second, app_error_code, reason);
}

std::optional<ConnectionStats> MultiEndpoint::stats(ConnectionId conn) const {
  if (const Inner* in = find(conn)) return members_[in->first]->stats(in->second);
  return std::nullopt;
}

std::string_view MultiEndpoint::transport_kind(ConnectionId conn) const {
  if (const Inner* in = find(conn)) return members_[in->first]->transport_kind(in->second);
  return {};
}

std::vector<ConnectionId> MultiEndpoint::connections() const {
  std::vector<ConnectionId> out;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    for (ConnectionId c : members_[i]->connections()) {
      if (const auto it = outer_.find(Inner{i, c}); it != outer_.end()) out.push_back(it->second);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void MultiEndpoint::interrupt() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace theta_net::transport
