#include "theta_net/transport/http3_client.hpp"

#include <nghttp3/nghttp3.h>

#include <map>
#include <set>

#include "http3_client_session.hpp"
#include "theta_net/transport/quic_client.hpp"

namespace theta_net::transport {

namespace {

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// What HTTP/3 lets a request carry (RFC 9114 4.2, RFC 9110 5): the checks nghttp3 leaves to us.
Status check_request(const HttpClientRequest& r) {
  if (r.method.empty()) return make_error(ErrorCode::kInvalidArgument, "the method is empty");
  for (const char c : r.method) {
    if (!token_char(c) && !(c >= 'A' && c <= 'Z')) {
      return make_error(ErrorCode::kInvalidArgument, "the method '", r.method, "' is not a token");
    }
  }
  if (r.path.empty() || r.path[0] != '/') {
    return make_error(ErrorCode::kInvalidArgument, "the path '", r.path,
                      "' does not start with '/'");
  }
  const auto clean = [](std::string_view text) {
    return text.find_first_of(std::string_view("\r\n\0 ", 3)) == std::string_view::npos;
  };
  if (!clean(r.path) || r.path.find(' ') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "the path has a space, CR, LF or NUL");
  }
  for (const HttpHeader& h : r.headers) {
    if (h.name.empty() || h.name[0] == ':') {
      return make_error(ErrorCode::kInvalidArgument, "the header name '", h.name,
                        "' is empty or a pseudo-header");
    }
    for (const char c : h.name) {
      if (!token_char(c)) {
        return make_error(ErrorCode::kInvalidArgument, "the header name '", h.name,
                          "' is not lower-case token characters");
      }
    }
    if (!clean(h.value)) {
      return make_error(ErrorCode::kInvalidArgument, "the value of header '", h.name,
                        "' has CR, LF or NUL");
    }
  }
  return {};
}

}  // namespace

std::optional<std::string_view> HttpClientResponse::header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (h.name == name) return std::string_view(h.value);
  }
  return std::nullopt;
}

struct Http3Client::Impl {
  Http3ClientConfig config;
  std::deque<Http3Outcome> outcomes;  // filled by the session: declared before it goes (quic)
  std::unique_ptr<QuicClient> quic;
  Http3ClientSession::Limits limits;
  Http3ClientSession* configured = nullptr;  // the session given our limits and outcome queue
  std::deque<std::pair<std::uint64_t, HttpClientRequest>> queued;  // waiting for a stream
  std::set<std::uint64_t> open;       // submitted or queued, outcome not known yet
  std::set<std::uint64_t> streaming;  // submitted with body_follows, fin not given yet
  // body_follows requests whose fin was given while they waited in `queued`: they still go out
  // without a content-length, and their fin follows at once.
  std::set<std::uint64_t> ended_in_queue;
  std::map<std::uint64_t, Result<HttpClientResponse>> ready;
  std::uint64_t next_id = 1;
  bool connected = false;
  bool ended = false;
  std::string end_reason;

  Http3ClientSession* session() {
    if (ended) return nullptr;
    Http3ClientSession* s = quic->http3_session();
    if (s && s != configured) {
      s->configure(limits, &outcomes);
      configured = s;
    }
    return s;
  }

  // Moves queued requests into streams while the server allows them.
  void submit_queued() {
    Http3ClientSession* s = session();
    while (s && !queued.empty() && s->can_submit()) {
      auto [id, request] = std::move(queued.front());
      queued.pop_front();
      Status st = s->submit(id, std::move(request));
      if (st.ok() && ended_in_queue.erase(id)) st = s->add_body(id, {}, true);
      if (!st.ok()) {
        open.erase(id);
        streaming.erase(id);
        ended_in_queue.erase(id);
        ready.emplace(id, st.error());
      }
    }
  }

  void collect() {
    while (!outcomes.empty()) {
      Http3Outcome o = std::move(outcomes.front());
      outcomes.pop_front();
      streaming.erase(o.id);
      if (open.erase(o.id)) ready.emplace(o.id, std::move(o.result));
    }
  }

  void on_end(const CloseInfo& info) {
    ended = true;
    connected = false;
    configured = nullptr;  // gone with the connection
    end_reason = info.reason.empty() ? "the connection ended" : info.reason;
    collect();
    for (const std::uint64_t id : open) {
      ready.emplace(id, make_error(ErrorCode::kClosed,
                                   "the connection ended before the "
                                   "response was complete: ",
                                   end_reason));
    }
    open.clear();
    queued.clear();
    streaming.clear();
    ended_in_queue.clear();
  }

  void handle_events() {
    while (auto e = quic->next_event()) {
      if (e->kind == EventKind::kConnected) connected = true;
      if (e->kind == EventKind::kDisconnected || e->kind == EventKind::kTimedOut) {
        on_end(e->close);
      }
    }
  }
};

Result<std::unique_ptr<Http3Client>> Http3Client::connect(Http3ClientConfig config) {
  auto impl = std::make_unique<Impl>();
  QuicClientConfig q;
  static_cast<QuicCommonConfig&>(q) = config;
  q.host = config.host;
  q.port = config.port;
  q.pinned_sha256 = config.pinned_sha256;
  q.server_name = config.server_name;
  q.alpn = std::string(kHttp3Alpn);
  q.reconnect.enabled = false;
  THETA_TRY_ASSIGN(impl->quic, QuicClient::create(std::move(q)));
  impl->limits.max_body_bytes = config.max_body_bytes;
  impl->limits.direct_io_min_bytes = config.direct_io_min_bytes;
  impl->limits.max_header_bytes = config.max_header_bytes;
  impl->limits.authority = config.server_name + ":" + std::to_string(config.port);
  impl->config = std::move(config);
  const auto deadline = std::chrono::steady_clock::now() + impl->config.handshake_timeout;
  while (!impl->connected && !impl->ended) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds(0)) {
      return make_error(ErrorCode::kTimeout, "no HTTP/3 handshake with ", impl->config.host, ":",
                        impl->config.port, " in time");
    }
    impl->quic->poll(std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(50)));
    impl->handle_events();
  }
  if (!impl->connected) {
    return make_error(impl->quic->failed_for_good() ? ErrorCode::kRejected : ErrorCode::kClosed,
                      "no HTTP/3 connection to ", impl->config.host, ":", impl->config.port, ": ",
                      impl->end_reason);
  }
  return std::unique_ptr<Http3Client>(new Http3Client(std::move(impl)));
}

Http3Client::Http3Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Http3Client::~Http3Client() {
  close();  // with H3_NO_ERROR, which ~QuicClient alone would not send
}

Result<std::uint64_t> Http3Client::submit(HttpClientRequest request) {
  Impl& s = *impl_;
  THETA_TRY(check_request(request));
  if (s.ended) {
    return make_error(ErrorCode::kClosed, "the HTTP/3 connection is gone: ", s.end_reason);
  }
  const std::uint64_t id = s.next_id++;
  s.open.insert(id);
  if (request.body_follows) s.streaming.insert(id);
  s.queued.emplace_back(id, std::move(request));
  s.submit_queued();
  return id;
}

void Http3Client::poll(std::chrono::nanoseconds max_wait) {
  Impl& s = *impl_;
  if (!s.quic) return;
  s.submit_queued();
  s.quic->poll(max_wait);
  s.collect();
  s.handle_events();
  s.submit_queued();  // answered requests free streams for queued ones
}

std::optional<Result<HttpClientResponse>> Http3Client::take(std::uint64_t id) {
  impl_->collect();
  auto it = impl_->ready.find(id);
  if (it == impl_->ready.end()) return std::nullopt;
  Result<HttpClientResponse> r = std::move(it->second);
  impl_->ready.erase(it);
  return r;
}

Result<HttpClientResponse> Http3Client::fetch(HttpClientRequest request,
                                              std::chrono::nanoseconds timeout) {
  THETA_TRY_ASSIGN(const std::uint64_t id, submit(std::move(request)));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto r = take(id)) return std::move(*r);
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds(0)) {
      cancel(id);
      take(id);
      return make_error(ErrorCode::kTimeout, "no complete response in time");
    }
    poll(std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(50)));
  }
}

Status Http3Client::send_body(std::uint64_t id, ByteSpan bytes, bool fin) {
  Impl& s = *impl_;
  s.collect();
  if (!s.open.count(id)) return make_error(ErrorCode::kClosed, "request ", id, " is over");
  if (!s.streaming.count(id)) {
    return make_error(ErrorCode::kState, "request ", id,
                      " was not submitted with body_follows, or its body has ended");
  }
  if (fin) s.streaming.erase(id);
  for (auto& [queued_id, request] : s.queued) {  // not sent yet: the body grows in place
    if (queued_id != id) continue;
    request.body.insert(request.body.end(), bytes.begin(), bytes.end());
    if (fin) s.ended_in_queue.insert(id);
    return {};
  }
  Http3ClientSession* session = s.session();
  if (!session) return make_error(ErrorCode::kClosed, "the HTTP/3 connection is gone");
  return session->add_body(id, Bytes(bytes.begin(), bytes.end()), fin);
}

std::uint64_t Http3Client::body_bytes_unacked(std::uint64_t id) const {
  for (const auto& [queued_id, request] : impl_->queued) {
    if (queued_id == id) return request.body.size();
  }
  Http3ClientSession* session = impl_->session();
  return session ? session->body_unacked(id) : 0;
}

void Http3Client::cancel(std::uint64_t id) {
  Impl& s = *impl_;
  s.streaming.erase(id);
  if (!s.open.count(id)) return;
  for (auto it = s.queued.begin(); it != s.queued.end(); ++it) {
    if (it->first != id) continue;
    s.queued.erase(it);
    s.ended_in_queue.erase(id);
    s.open.erase(id);
    s.ready.emplace(id, make_error(ErrorCode::kClosed, "cancelled"));
    return;
  }
  if (Http3ClientSession* session = s.session()) session->cancel(id);
  s.collect();
}

bool Http3Client::connected() const {
  return impl_->connected && !impl_->ended;
}

void Http3Client::close() {
  Impl& s = *impl_;
  if (s.ended) return;
  // Open downloads end now, their part files with them, not when the connection is reaped.
  if (Http3ClientSession* session = s.session()) {
    session->fail_all(make_error(ErrorCode::kClosed, "closed by the client"));
  }
  if (auto conn = s.quic->current()) {
    s.quic->close(*conn, NGHTTP3_H3_NO_ERROR, "client closing");
  }
  s.handle_events();
  if (!s.ended)
    s.on_end(CloseInfo{CloseInfo::Kind::kApplication, 0, "closed by the client", false});
}

std::optional<ConnectionStats> Http3Client::stats() const {
  auto conn = impl_->quic->current();
  if (!conn) return std::nullopt;
  return impl_->quic->stats(*conn);
}

}  // namespace theta_net::transport
