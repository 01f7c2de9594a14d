#include <cstdio>

#include "sim_net_state.hpp"
#include "theta_net/core/crc32c.hpp"

namespace theta_net::transport {

void SimNetState::schedule(SimScheduled item) {
  item.order = order++;
  queue.push(std::move(item));
}

void SimNetState::run_until(Nanos t) {
  while (!queue.empty() && queue.top().time <= t) {
    SimScheduled item = queue.top();
    queue.pop();
    now = std::max(now, item.time);
    handle(item);
  }
  now = std::max(now, t);
}

LinkModel& SimNetState::link(std::uint32_t from, std::uint32_t to) {
  const auto key = std::make_pair(from, to);
  auto it = links.find(key);
  if (it == links.end()) {
    auto cfg = link_configs.find(key);
    // Each direction draws from its own stream, so traffic on one link never shifts another's.
    Rng stream = rng.fork((static_cast<std::uint64_t>(from) << 32) | to);
    it =
        links
            .emplace(key, LinkModel(cfg == link_configs.end() ? LinkConfig{} : cfg->second, stream))
            .first;
  }
  return it->second;
}

Nanos SimNetState::rto(std::uint32_t a, std::uint32_t b) {
  const LinkConfig& ab = link(a, b).config();
  const LinkConfig& ba = link(b, a).config();
  return ab.latency + ba.latency + 4 * (ab.jitter + ba.jitter) +
         ab.reorder_delay * (ab.reorder > 0) + std::chrono::milliseconds(1);
}

void SimNetState::record(std::uint32_t node, ConnectionId conn, SimTraceEntry::What what, Lane lane,
                         ByteSpan payload, std::size_t size) {
  if (!keep_trace) return;
  SimTraceEntry e;
  e.time = now;
  e.node = node;
  e.conn = conn;
  e.what = what;
  e.lane = lane;
  e.size = static_cast<std::uint32_t>(size ? size : payload.size());
  e.crc = payload.empty() ? 0 : crc32c(payload);
  trace.push_back(e);
}

SimNet::SimNet(std::uint64_t seed) : state_(std::make_unique<SimNetState>(seed)) {}
SimNet::~SimNet() = default;

SimEndpoint& SimNet::add_endpoint(std::string name, SimEndpointConfig config) {
  const auto node = static_cast<std::uint32_t>(state_->nodes.size());
  auto n = std::make_unique<SimNode>();
  n->name = std::move(name);
  n->config = config;
  state_->nodes.push_back(std::move(n));
  state_->endpoints.push_back(std::unique_ptr<SimEndpoint>(new SimEndpoint(*state_, node)));
  return *state_->endpoints.back();
}

void SimNet::set_link(const SimEndpoint& from, const SimEndpoint& to, LinkConfig config) {
  const auto key = std::make_pair(from.node(), to.node());
  state_->link_configs[key] = config;
  auto it = state_->links.find(key);
  if (it != state_->links.end()) {  // keep the link's random stream, change its behaviour
    Rng stream = state_->rng.fork((static_cast<std::uint64_t>(key.first) << 32) | key.second);
    it->second = LinkModel(std::move(config), stream.fork(state_->order));
  }
}

void SimNet::set_links(const SimEndpoint& a, const SimEndpoint& b, const LinkConfig& config) {
  set_link(a, b, config);
  set_link(b, a, config);
}

LinkCounters SimNet::link_counters(const SimEndpoint& from, const SimEndpoint& to) const {
  auto it = state_->links.find({from.node(), to.node()});
  return it == state_->links.end() ? LinkCounters{} : it->second.counters();
}

Nanos SimNet::now() const {
  return state_->now;
}
void SimNet::advance_to(Nanos t) {
  state_->run_until(t);
}

std::optional<Nanos> SimNet::next_due() const {
  if (state_->queue.empty()) return std::nullopt;
  return state_->queue.top().time;
}

void SimNet::keep_trace(bool on) {
  state_->keep_trace = on;
}

const std::vector<SimTraceEntry>& SimNet::trace() const {
  return state_->trace;
}

std::string SimNet::trace_text() const {
  static constexpr const char* kWhat[] = {"connected", "disconnected", "timed_out", "message",
                                          "packet_drop"};
  std::string out;
  char line[160];
  for (const SimTraceEntry& e : state_->trace) {
    std::snprintf(line, sizeof line, "%lld.%06lld node=%u conn=%llu %s lane=%s size=%u crc=%08x\n",
                  static_cast<long long>(e.time.count() / 1'000'000'000),
                  static_cast<long long>(e.time.count() % 1'000'000'000 / 1000), e.node,
                  static_cast<unsigned long long>(e.conn.value), kWhat[static_cast<int>(e.what)],
                  std::string(lane_name(e.lane)).c_str(), e.size, e.crc);
    out += line;
  }
  return out;
}

}  // namespace theta_net::transport
