#include "http3_session.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <string>
#include <vector>

namespace theta_net::transport {

struct Http3Session::Stream {
  HttpRequest request;
  std::size_t header_bytes = 0;
  bool headers_too_large = false;
  bool body_too_large = false;
  bool server_busy = false;  // the body was refused for the server's budget, not this request
  std::unique_ptr<HttpBodySink> sink;         // where the body goes instead of request.body
  Http3ServerShared* sink_counted = nullptr;  // the server's open_files, which the sink is in
  bool responded = false;
  HttpResponse response;
  bool body_given = false;  // an in-memory body handed to nghttp3 (it stays here until close)
  // A file body: read in pieces; the pieces stay until the peer acknowledges them.
  std::FILE* file = nullptr;
  Http3ServerShared* shared = nullptr;  // the server's count, which this file is part of
  std::uint64_t file_left = 0;
  // Each piece's buffer is kept for the next read once acknowledged: a fresh 64 KiB buffer per
  // read was zero-filled and, on a fresh page, faulted in.
  struct Piece {
    Bytes bytes;
    std::size_t length = 0;
  };
  std::deque<Piece> pieces;
  std::vector<Bytes> spare;
  std::size_t front_acked = 0;
  std::uint64_t unacked = 0;
  bool deferred = false;  // read_data said WOULDBLOCK: resume once acks free the window

  ~Stream() {
    if (sink_counted) --sink_counted->open_files;
    if (!file) return;
    std::fclose(file);
    if (shared) --shared->open_files;
  }
};

namespace {

// A request's content-length, when it is a plain decimal number.
std::optional<std::uint64_t> announced_length(const HttpRequest& r) {
  const auto v = r.header("content-length");
  if (!v || v->empty() || v->size() > 19 || v->find_first_not_of("0123456789") != v->npos) {
    return std::nullopt;
  }
  return std::stoull(std::string(*v));
}

}  // namespace

struct Http3Session::Callbacks {
  static Http3Session* self(void* user_data) {
    return static_cast<Http3Session*>(static_cast<Http3Streams*>(user_data));
  }
  static Stream* stream(Http3Session* h, std::int64_t id) {
    auto it = h->streams_.find(id);
    return it == h->streams_.end() ? nullptr : it->second.get();
  }

  static int begin_headers(nghttp3_conn*, std::int64_t id, void* ud, void*) {
    Http3Session* h = self(ud);
    if (h->streams_.size() >= h->limits_.max_requests_open) return 0;  // refused at the end
    auto s = std::make_unique<Stream>();
    s->request.conn = h->id_;
    h->streams_[id] = std::move(s);
    return 0;
  }

  static int recv_header(nghttp3_conn*, std::int64_t id, std::int32_t, nghttp3_rcbuf* name,
                         nghttp3_rcbuf* value, std::uint8_t, void* ud, void*) {
    Stream* s = stream(self(ud), id);
    if (!s || s->headers_too_large) return 0;
    const nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
    const nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
    s->header_bytes += n.len + v.len;
    if (s->header_bytes > self(ud)->limits_.max_header_bytes) {
      s->headers_too_large = true;
      s->request.headers.clear();
      return 0;
    }
    std::string key(reinterpret_cast<const char*>(n.base), n.len);
    std::string text(reinterpret_cast<const char*>(v.base), v.len);
    if (key == ":method") {
      s->request.method = std::move(text);
    } else if (key == ":path") {
      s->request.path = std::move(text);
    } else if (key == ":authority") {
      s->request.authority = std::move(text);
    } else if (!key.empty() && key[0] != ':') {
      s->request.headers.push_back({std::move(key), std::move(text)});
    }
    return 0;
  }

  static int recv_data(nghttp3_conn*, std::int64_t id, const std::uint8_t* data, std::size_t len,
                       void* ud, void*) {
    Http3Session* h = self(ud);
    h->consume(id, len);  // the body is taken (or dropped) at once: give the credit back
    Stream* s = stream(h, id);
    // Only an upload keeps its body; any other request's body, or one answered already, is
    // dropped as it comes.
    if (!s || s->responded || s->body_too_large || s->request.method != "PUT") return 0;
    if (s->sink) {  // on its way to disk: the memory budgets do not apply
      s->request.body_bytes += len;
      if (Status st = s->sink->write(ByteSpan(data, len)); !st.ok()) {
        const bool over = st.error().code == ErrorCode::kLimitExceeded;
        return h->answer_early(id, *s, http_text(over ? 413 : 500, st.error().message + "\n"));
      }
      return 0;
    }
    // One budget for the connection's bodies together and one for the whole server's, so that
    // many open uploads cannot add up.
    const bool over_connection = h->body_bytes_ + len > h->limits_.max_request_body;
    const bool over_server =
        h->shared_ && h->shared_->upload_bytes.load(std::memory_order_relaxed) + len >
                          h->limits_.max_upload_bytes_total;
    if (over_connection || over_server) {  // refused now: the rest need not be sent
      s->body_too_large = true;
      s->server_busy = !over_connection;
      return h->answer_early(id, *s, *h->refusal(*s));
    }
    h->body_bytes_ += len;
    if (h->shared_) h->shared_->upload_bytes.fetch_add(len, std::memory_order_relaxed);
    s->request.body.insert(s->request.body.end(), data, data + len);
    return 0;
  }

  // A request with a body to come (not GET or HEAD, no FIN yet) may be refused now, before the
  // body is kept or even sent: by the transport's own rules, by the application's
  // HttpHeaderCheck, or (a body kept in memory) for an announced content-length over a budget.
  // Else its body may go to a sink (HttpBodySinkFactory) instead of memory.
  static int end_headers(nghttp3_conn*, std::int64_t id, int fin, void* ud, void*) {
    Http3Session* h = self(ud);
    Stream* s = stream(h, id);
    if (!s || fin) return 0;
    const HttpRequest& r = s->request;
    if (r.method == "GET" || r.method == "HEAD") return 0;
    std::optional<HttpResponse> early = h->refusal(*s);
    const HttpHeaderCheck* check = h->routes_.check;
    try {
      if (!early && check && *check) early = (*check)(r);
      const HttpBodySinkFactory* sink = h->routes_.sink;
      if (!early && r.method == "PUT" && sink && *sink) early = h->open_sink(*s, *sink);
    } catch (const std::exception& e) {
      early = http_text(500, std::string("the server failed: ") + e.what() + "\n");
    }
    if (early) return h->answer_early(id, *s, std::move(*early));
    // A body kept in memory: an announced length over a budget is refused before it comes.
    if (r.method == "PUT" && !s->sink) {
      if (const auto length = announced_length(r)) {
        const bool over_connection = h->body_bytes_ + *length > h->limits_.max_request_body;
        const bool over_server =
            h->shared_ && h->shared_->upload_bytes.load(std::memory_order_relaxed) + *length >
                              h->limits_.max_upload_bytes_total;
        s->body_too_large = over_connection || over_server;
        s->server_busy = s->body_too_large && !over_connection;
        if (s->body_too_large) return h->answer_early(id, *s, *h->refusal(*s));
      }
    }
    return 0;
  }

  static int end_stream(nghttp3_conn*, std::int64_t id, void* ud, void*) {
    Http3Session* h = self(ud);
    Stream* s = stream(h, id);
    if (!s) {  // over max_requests_open
      ngtcp2_conn_shutdown_stream(h->quic_, id, NGHTTP3_H3_REQUEST_REJECTED);
      return 0;
    }
    return h->respond(id, *s);
  }

  static nghttp3_ssize read_data(nghttp3_conn*, std::int64_t id, nghttp3_vec* vec, std::size_t,
                                 std::uint32_t* flags, void* ud, void*) {
    Http3Session* h = self(ud);
    Stream* s = stream(h, id);
    if (!s) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      return 0;
    }
    if (!s->file) {
      if (s->body_given || s->response.body.empty()) {
        *flags |= NGHTTP3_DATA_FLAG_EOF;
        return 0;
      }
      s->body_given = true;
      vec[0].base = s->response.body.data();
      vec[0].len = s->response.body.size();
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      return 1;
    }
    if (s->file_left == 0) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      return 0;
    }
    if (s->unacked >= h->limits_.file_window_bytes) {
      s->deferred = true;  // the peer has not taken what was sent: wait for its acks
      return NGHTTP3_ERR_WOULDBLOCK;
    }
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(h->limits_.file_read_bytes, s->file_left));
    Bytes piece;
    if (!s->spare.empty()) {
      piece = std::move(s->spare.back());
      s->spare.pop_back();
    }
    if (piece.size() < want) piece.resize(h->limits_.file_read_bytes);
    if (std::fread(piece.data(), 1, want, s->file) != want) {
      // The file shrank or failed under us: end this response with an error, not the connection
      // (after the packet being built: no ngtcp2 call may come in the middle of one).
      h->reset_later(id);
      s->deferred = true;
      return NGHTTP3_ERR_WOULDBLOCK;
    }
    s->file_left -= want;
    s->unacked += want;
    s->pieces.push_back({std::move(piece), want});
    vec[0].base = s->pieces.back().bytes.data();
    vec[0].len = want;
    if (s->file_left == 0) *flags |= NGHTTP3_DATA_FLAG_EOF;
    return 1;
  }

  static int acked_stream_data(nghttp3_conn*, std::int64_t id, std::uint64_t len, void* ud, void*) {
    Http3Session* h = self(ud);
    Stream* s = stream(h, id);
    if (!s || !s->file) return 0;  // an in-memory body stays until the stream closes
    while (len > 0 && !s->pieces.empty()) {
      const std::size_t take = static_cast<std::size_t>(
          std::min<std::uint64_t>(len, s->pieces.front().length - s->front_acked));
      s->front_acked += take;
      s->unacked -= take;
      len -= take;
      if (s->front_acked == s->pieces.front().length) {
        s->spare.push_back(std::move(s->pieces.front().bytes));
        s->pieces.pop_front();
        s->front_acked = 0;
      }
    }
    if (s->deferred && s->unacked < h->limits_.file_window_bytes) {
      s->deferred = false;
      return nghttp3_conn_resume_stream(h->h3_, id);
    }
    return 0;
  }

  static int stream_close(nghttp3_conn*, std::int64_t id, std::uint64_t, void* ud, void*) {
    Http3Session* h = self(ud);
    if (Stream* s = stream(h, id)) h->release_body(*s);
    h->streams_.erase(id);
    return 0;
  }

  static nghttp3_callbacks table() {
    nghttp3_callbacks cb{};
    cb.acked_stream_data = acked_stream_data;
    cb.stream_close = stream_close;
    cb.recv_data = recv_data;
    cb.begin_headers = begin_headers;
    cb.recv_header = recv_header;
    cb.end_headers = end_headers;
    cb.end_stream = end_stream;
    return cb;
  }
};

Http3Session::Http3Session(ngtcp2_conn* quic, ConnectionId id, Http3Routes routes,
                           const Http3Limits& limits, Http3ServerShared* shared)
    : Http3Streams(quic), id_(id), routes_(routes), limits_(limits), shared_(shared) {}

// The streams go first: nghttp3_conn_del (in ~Http3Streams) calls no callbacks. A connection
// that dies with uploads under way gives their bytes back to the server's budget here.
Http3Session::~Http3Session() {
  for (auto& [id, s] : streams_) release_body(*s);
}

void Http3Session::release_body(Stream& s) {
  body_bytes_ -= s.request.body.size();
  if (shared_) shared_->upload_bytes.fetch_sub(s.request.body.size(), std::memory_order_relaxed);
  Bytes().swap(s.request.body);
}

Result<std::unique_ptr<Http3Session>> Http3Session::create(ngtcp2_conn* quic, ConnectionId id,
                                                           Http3Routes routes,
                                                           const Http3Limits& limits,
                                                           std::uint64_t max_client_bidi_streams,
                                                           Http3ServerShared* shared) {
  std::unique_ptr<Http3Session> h(new Http3Session(quic, id, routes, limits, shared));
  nghttp3_callbacks cb = Callbacks::table();
  add_shared_callbacks(cb);
  nghttp3_settings settings;
  nghttp3_settings_default(&settings);
  settings.max_field_section_size = limits.max_header_bytes;
  if (int rv = nghttp3_conn_server_new(&h->h3_, &cb, &settings, nullptr,
                                       static_cast<Http3Streams*>(h.get()));
      rv != 0) {
    return make_error(ErrorCode::kState, "nghttp3_conn_server_new: ", nghttp3_strerror(rv));
  }
  nghttp3_conn_set_max_client_streams_bidi(h->h3_, max_client_bidi_streams);
  THETA_TRY(h->bind_local_streams());
  return h;
}

void Http3Session::on_max_client_streams(std::uint64_t max_streams) {
  nghttp3_conn_set_max_client_streams_bidi(h3_, max_streams);
}

std::optional<HttpResponse> Http3Session::refusal(const Stream& s) const {
  if (s.headers_too_large) return http_text(431, "request header fields too large\n");
  if (s.request.method.empty() || s.request.path.empty() || s.request.path[0] != '/') {
    return http_text(400, "a request needs :method and an absolute :path\n");
  }
  if (s.body_too_large && s.server_busy) {
    HttpResponse r = http_text(503, "the server holds too many uploads at once; try again\n");
    r.add_header("retry-after", "1");
    return r;
  }
  if (s.body_too_large) {
    return http_text(413,
                     "request body over " + std::to_string(limits_.max_request_body) + " bytes\n");
  }
  return std::nullopt;
}

std::optional<HttpResponse> Http3Session::open_sink(Stream& s, const HttpBodySinkFactory& factory) {
  if (shared_ && shared_->open_files >= limits_.max_open_files) {
    HttpResponse r = http_text(503, "too many transfers at once; try again\n");
    r.add_header("retry-after", "1");
    return r;
  }
  auto sink = factory(s.request);
  if (!sink.ok()) {
    const bool over = sink.error().code == ErrorCode::kLimitExceeded;
    return http_text(over ? 413 : 500, sink.error().message + "\n");
  }
  if (!*sink) return std::nullopt;  // the body stays in memory
  s.sink = std::move(*sink);
  s.request.body_sink = s.sink.get();
  if (shared_) {
    ++shared_->open_files;
    s.sink_counted = shared_;
  }
  return std::nullopt;
}

int Http3Session::answer_early(std::int64_t stream_id, Stream& s, HttpResponse response) {
  s.responded = true;
  ++requests_;
  s.response = std::move(response);
  release_body(s);
  // RFC 9114 4.1: a complete response may come before the request is complete; the client is
  // asked to stop sending the rest with H3_NO_ERROR. ngtcp2 allows this inside its receive
  // callback; nothing more of the body is delivered.
  ngtcp2_conn_shutdown_stream_read(quic_, stream_id, NGHTTP3_H3_NO_ERROR);
  return submit(stream_id, s);
}

int Http3Session::respond(std::int64_t stream_id, Stream& s) {
  if (s.responded) return 0;
  s.responded = true;
  ++requests_;
  HttpResponse& r = s.response;
  if (auto refused = refusal(s)) {
    r = std::move(*refused);
  } else {
    try {
      r = (*routes_.handler)(s.request);
    } catch (const std::exception& e) {
      r = http_text(500, std::string("the server failed: ") + e.what() + "\n");
    }
  }
  release_body(s);  // answered: the upload's bytes are not needed any more
  return submit(stream_id, s);
}

int Http3Session::submit(std::int64_t stream_id, Stream& s) {
  HttpResponse& r = s.response;
  if (s.request.method == "HEAD") r.head = true;  // whatever the handler said: never a body
  if (!r.file_path.empty() && !r.head && r.file_length > 0) {
    if (shared_ && shared_->open_files >= limits_.max_open_files) {
      r = http_text(503, "too many downloads at once; try again\n");
      r.add_header("retry-after", "1");
    } else {
      s.file = std::fopen(r.file_path.c_str(), "rb");
      if (s.file && fseeko(s.file, static_cast<off_t>(r.file_offset), SEEK_SET) == 0) {
        s.file_left = r.file_length;
        s.shared = shared_;
        if (shared_) ++shared_->open_files;
      } else {
        if (s.file) std::fclose(s.file);
        s.file = nullptr;
        r = http_text(500, "the file behind this response cannot be read\n");
      }
    }
  }
  const std::string status = std::to_string(r.status);
  const std::string length = std::to_string(r.content_length());
  std::vector<nghttp3_nv> nva;
  const auto add = [&nva](const std::string& name, const std::string& value) {
    nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                   reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                   value.size(), NGHTTP3_NV_FLAG_NONE});
  };
  static const std::string kStatus = ":status", kLength = "content-length";
  add(kStatus, status);
  for (const HttpHeader& h : r.headers) add(h.name, h.value);
  add(kLength, length);
  nghttp3_data_reader reader{Callbacks::read_data};
  const bool body = !r.head && r.content_length() > 0;
  return nghttp3_conn_submit_response(h3_, stream_id, nva.data(), nva.size(),
                                      body ? &reader : nullptr);
}

}  // namespace theta_net::transport
