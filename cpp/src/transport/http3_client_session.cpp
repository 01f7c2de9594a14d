#include "http3_client_session.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

namespace theta_net::transport {

namespace {

// A file body is handed to the writer thread in pieces of this size: large enough that the
// thread's write calls are few, small enough that the last one costs the loop little.
constexpr std::size_t kFileBufferBytes = 1u << 20;

// The body's announced length, when it is a plain decimal number.
std::optional<std::uint64_t> content_length(const HttpClientResponse& r) {
  const auto v = r.header("content-length");
  if (!v || v->empty() || v->size() > 19 || v->find_first_not_of("0123456789") != v->npos) {
    return std::nullopt;
  }
  return std::stoull(std::string(*v));
}

// RFC 9114 8.1's names for the codes a request stream ends with.
std::string h3_error_name(std::uint64_t code) {
  switch (code) {
    case NGHTTP3_H3_NO_ERROR:
      return "H3_NO_ERROR";
    case NGHTTP3_H3_INTERNAL_ERROR:
      return "H3_INTERNAL_ERROR";
    case NGHTTP3_H3_REQUEST_REJECTED:
      return "H3_REQUEST_REJECTED: the server took no part of it";
    case NGHTTP3_H3_REQUEST_CANCELLED:
      return "H3_REQUEST_CANCELLED";
    case NGHTTP3_H3_REQUEST_INCOMPLETE:
      return "H3_REQUEST_INCOMPLETE";
    case NGHTTP3_H3_EXCESSIVE_LOAD:
      return "H3_EXCESSIVE_LOAD";
    default: {
      char hex[40];
      std::snprintf(hex, sizeof hex, "HTTP/3 error 0x%llx", static_cast<unsigned long long>(code));
      return hex;
    }
  }
}

}  // namespace

struct Http3ClientSession::Stream {
  std::uint64_t id = 0;
  std::int64_t stream_id = -1;
  HttpClientRequest request;
  // The request body in pieces. The first `given` were handed to nghttp3 and stay until the
  // server acknowledges them; with body_follows more come through add_body until `fin`.
  std::deque<Bytes> body;
  std::size_t given = 0;
  std::size_t front_acked = 0;
  std::uint64_t body_unacked = 0;
  bool fin = true;
  bool waiting = false;  // read_body said WOULDBLOCK: resume when more body comes
  HttpClientResponse response;
  std::size_t header_bytes = 0;
  bool done = false;
  std::uint64_t reset_here = 0;  // the code our nghttp3 reset the stream with, if it did
  // save_to: the body goes to `part` while the response is 2xx, renamed to save_to at its end.
  // The session's FileWriter thread writes it.
  std::optional<BufferedFile> file;
  std::string part;

  // Writes what is left and closes the file.
  // Errors: those of BufferedFile::close.
  Status close_file() {
    Status st = file->close();
    file.reset();
    return st;
  }
  void drop_file() { file.reset(); }  // an unfinished BufferedFile abandons its file
};

struct Http3ClientSession::Callbacks {
  static Http3ClientSession* self(void* ud) {
    return static_cast<Http3ClientSession*>(static_cast<Http3Streams*>(ud));
  }
  static Stream* stream(void* sud) { return static_cast<Stream*>(sud); }

  // Also called before a final response that follows an interim (1xx) one: start again.
  static int begin_headers(nghttp3_conn*, std::int64_t, void*, void* sud) {
    Stream* s = stream(sud);
    if (!s || s->done) return 0;
    s->response.status = 0;
    s->response.headers.clear();
    s->header_bytes = 0;
    return 0;
  }

  static int recv_header(nghttp3_conn*, std::int64_t, std::int32_t, nghttp3_rcbuf* name,
                         nghttp3_rcbuf* value, std::uint8_t, void* ud, void* sud) {
    Http3ClientSession* h = self(ud);
    Stream* s = stream(sud);
    if (!s || s->done) return 0;
    const nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
    const nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
    s->header_bytes += n.len + v.len;
    if (s->header_bytes > h->limits_.max_header_bytes) {
      h->fail(*s, make_error(ErrorCode::kLimitExceeded, "the response's header fields pass ",
                             h->limits_.max_header_bytes, " bytes"));
      return 0;
    }
    std::string key(reinterpret_cast<const char*>(n.base), n.len);
    std::string text(reinterpret_cast<const char*>(v.base), v.len);
    if (key == ":status") {
      int status = 0;
      const bool digits = text.size() == 3 && text.find_first_not_of("0123456789") == text.npos;
      if (digits) status = std::stoi(text);
      if (status < 100) {
        h->fail(*s, make_error(ErrorCode::kCorrupt, "the response's :status '", text,
                               "' is not a status code"));
        return 0;
      }
      s->response.status = status;
    } else if (!key.empty() && key[0] != ':') {
      s->response.headers.push_back({std::move(key), std::move(text)});
    }
    return 0;
  }

  static int end_headers(nghttp3_conn*, std::int64_t, int, void* ud, void* sud) {
    Http3ClientSession* h = self(ud);
    Stream* s = stream(sud);
    if (!s || s->done || s->response.status < 200) return 0;  // interim: the final one follows
    // Only a successful response is the file the caller asked for; an error's text stays in
    // memory where it can be read.
    if (s->file && s->response.status >= 300) s->drop_file();
    // A large body skips the page cache on its way to the disk: the kernel's copy into fresh
    // cache pages was the largest single cost of a 64 MiB download on the client.
    if (s->file && h->limits_.direct_io_min_bytes > 0) {
      if (const auto length = content_length(s->response);
          length && *length >= h->limits_.direct_io_min_bytes) {
        s->file->direct();
      }
    }
    // A body held in memory is sized once from its announced length (within the bound), not
    // grown by doubling, which copied a 64 MiB body several times over.
    // A HEAD answer, a 204 and a 304 announce a length but carry no body.
    const int status = s->response.status;
    const bool bodiless = s->request.method == "HEAD" || status == 204 || status == 304;
    if (!s->file && !bodiless) {
      if (const auto length = content_length(s->response);
          length && *length <= h->limits_.max_body_bytes) {
        s->response.body.reserve(static_cast<std::size_t>(*length));
      }
    }
    return 0;
  }

  static int recv_data(nghttp3_conn*, std::int64_t id, const std::uint8_t* data, std::size_t len,
                       void* ud, void* sud) {
    Http3ClientSession* h = self(ud);
    h->consume(id, len);  // taken (or dropped) at once: give the credit back
    Stream* s = stream(sud);
    if (!s || s->done) return 0;
    s->response.body_bytes += len;
    if (s->file) {
      if (!s->file->append(ByteSpan(data, len))) {
        // write() refuses only a file that has failed: close() says why. Then the part file
        // goes, as for any failed download.
        Status why = s->close_file();
        std::remove(s->part.c_str());
        h->fail(*s, why.ok() ? make_error(ErrorCode::kIo, "cannot write '", s->part, "'")
                             : why.error());
      }
      return 0;
    }
    if (s->response.body.size() + len > h->limits_.max_body_bytes) {
      h->fail(*s, make_error(ErrorCode::kLimitExceeded, "the response body passes ",
                             h->limits_.max_body_bytes, " bytes (max_body_bytes)"));
      return 0;
    }
    s->response.body.insert(s->response.body.end(), data, data + len);
    return 0;
  }

  static int end_stream(nghttp3_conn*, std::int64_t, void* ud, void* sud) {
    Http3ClientSession* h = self(ud);
    Stream* s = stream(sud);
    if (!s || s->done) return 0;
    if (s->response.status < 200) {
      h->fail(*s, make_error(ErrorCode::kCorrupt, "the response ended without a final status"));
      return 0;
    }
    if (s->file) {
      Status written = s->close_file();
      if (written.ok() && std::rename(s->part.c_str(), s->request.save_to.c_str()) != 0) {
        written = make_error(ErrorCode::kIo, "cannot rename '", s->part, "' to '",
                             s->request.save_to, "': ", std::strerror(errno));
      }
      if (!written.ok()) {
        std::remove(s->part.c_str());
        h->fail(*s, written.error());
        return 0;
      }
      s->response.saved_to = s->request.save_to;
    }
    h->finish(*s, std::move(s->response));
    return 0;
  }

  static int stream_close(nghttp3_conn*, std::int64_t id, std::uint64_t code, void* ud, void* sud) {
    Http3ClientSession* h = self(ud);
    if (Stream* s = stream(sud); s && !s->done) {
      // Our nghttp3 resets a stream whose response header fields break HTTP's rules (a :status
      // that is not three digits) with H3_MESSAGE_ERROR. (A body that does not match its
      // content-length ends the whole connection in nghttp3 0.8.)
      if (s->reset_here == NGHTTP3_H3_MESSAGE_ERROR) {
        h->fail(*s, make_error(ErrorCode::kCorrupt, "a malformed response (H3_MESSAGE_ERROR)"));
      } else {
        h->fail(*s, make_error(ErrorCode::kClosed,
                               "the request ended before its response was complete (",
                               h3_error_name(code), ")"));
      }
    }
    h->streams_.erase(id);
    return 0;
  }

  static nghttp3_ssize read_body(nghttp3_conn*, std::int64_t, nghttp3_vec* vec, std::size_t veccnt,
                                 std::uint32_t* flags, void*, void* sud) {
    Stream* s = stream(sud);
    if (!s) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
      return 0;
    }
    std::size_t n = 0;
    for (; s->given < s->body.size() && n < veccnt; ++s->given, ++n) {
      vec[n] = {s->body[s->given].data(), s->body[s->given].size()};
    }
    if (s->given == s->body.size() && s->fin) {
      *flags |= NGHTTP3_DATA_FLAG_EOF;
    } else if (n == 0) {
      s->waiting = true;
      return NGHTTP3_ERR_WOULDBLOCK;
    }
    return static_cast<nghttp3_ssize>(n);
  }

  static int acked_body(nghttp3_conn*, std::int64_t, std::uint64_t len, void*, void* sud) {
    Stream* s = stream(sud);
    if (!s) return 0;
    s->body_unacked -= std::min(s->body_unacked, len);
    while (len > 0 && s->given > 0) {
      const std::uint64_t take =
          std::min<std::uint64_t>(len, s->body.front().size() - s->front_acked);
      s->front_acked += static_cast<std::size_t>(take);
      len -= take;
      if (s->front_acked == s->body.front().size()) {
        s->body.pop_front();
        --s->given;
        s->front_acked = 0;
      }
    }
    return 0;
  }

  static nghttp3_callbacks table() {
    nghttp3_callbacks cb{};
    cb.stream_close = stream_close;
    cb.acked_stream_data = acked_body;
    cb.recv_data = recv_data;
    cb.begin_headers = begin_headers;
    cb.recv_header = recv_header;
    cb.end_headers = end_headers;
    cb.end_stream = end_stream;
    add_shared_callbacks(cb);
    return cb;
  }
};

Result<std::unique_ptr<Http3ClientSession>> Http3ClientSession::create(ngtcp2_conn* quic) {
  std::unique_ptr<Http3ClientSession> h(new Http3ClientSession(quic));
  const nghttp3_callbacks cb = Callbacks::table();
  nghttp3_settings settings;
  nghttp3_settings_default(&settings);
  if (int rv = nghttp3_conn_client_new(&h->h3_, &cb, &settings, nullptr,
                                       static_cast<Http3Streams*>(h.get()));
      rv != 0) {
    return make_error(ErrorCode::kState, "nghttp3_conn_client_new: ", nghttp3_strerror(rv));
  }
  THETA_TRY(h->bind_local_streams());
  return h;
}

Http3ClientSession::Http3ClientSession(ngtcp2_conn* quic) : Http3Streams(quic) {}

// Streams go first: nghttp3_conn_del (in ~Http3Streams) calls no callbacks.
Http3ClientSession::~Http3ClientSession() = default;

void Http3ClientSession::configure(Limits limits, std::deque<Http3Outcome>* outcomes) {
  limits_ = std::move(limits);
  outcomes_ = outcomes;
}

bool Http3ClientSession::can_submit() const {
  return ngtcp2_conn_get_streams_bidi_left(quic_) > 0;
}

Status Http3ClientSession::submit(std::uint64_t id, HttpClientRequest request) {
  if (!can_submit()) {
    return make_error(ErrorCode::kLimitExceeded, "the server allows no more request streams now");
  }
  auto s = std::make_unique<Stream>();
  s->id = id;
  s->request = std::move(request);
  if (!s->request.save_to.empty()) {
    s->part = s->request.save_to + ".part";
    THETA_TRY_ASSIGN(s->file, BufferedFile::create(writer_, s->part, kFileBufferBytes));
  }
  if (ngtcp2_conn_open_bidi_stream(quic_, &s->stream_id, nullptr) != 0) {
    return make_error(ErrorCode::kLimitExceeded, "the server allows no more request streams now");
  }
  HttpClientRequest& r = s->request;
  // A length known in advance is announced; a body that follows is sent until its fin.
  const bool announce =
      !r.body_follows && (!r.body.empty() || r.method == "PUT" || r.method == "POST");
  const std::string length = std::to_string(r.body.size());
  s->fin = !r.body_follows;
  s->body_unacked = r.body.size();
  if (!r.body.empty()) s->body.push_back(std::move(r.body));
  std::vector<nghttp3_nv> nva;
  const auto add = [&nva](std::string_view name, std::string_view value) {
    nva.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                   reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                   value.size(), NGHTTP3_NV_FLAG_NONE});
  };
  add(":method", r.method);
  add(":scheme", "https");
  add(":authority", limits_.authority);
  add(":path", r.path);
  for (const HttpHeader& f : r.headers) add(f.name, f.value);
  if (announce) add("content-length", length);
  nghttp3_data_reader reader{Callbacks::read_body};
  if (const int rv =
          nghttp3_conn_submit_request(h3_, s->stream_id, nva.data(), nva.size(),
                                      s->body.empty() && s->fin ? nullptr : &reader, s.get());
      rv != 0) {
    // nghttp3 may have made its stream before failing: it must not keep a pointer to `s`.
    nghttp3_conn_set_stream_user_data(h3_, s->stream_id, nullptr);
    ngtcp2_conn_shutdown_stream(quic_, s->stream_id, NGHTTP3_H3_REQUEST_CANCELLED);
    if (rv == NGHTTP3_ERR_CONN_CLOSING) {  // the server sent GOAWAY: no new requests
      return make_error(ErrorCode::kClosed, "the server is going away (GOAWAY)");
    }
    return make_error(ErrorCode::kState, "nghttp3 refused the request: ", nghttp3_strerror(rv));
  }
  ++submitted_;
  const std::int64_t stream_id = s->stream_id;
  streams_[stream_id] = std::move(s);
  return {};
}

Status Http3ClientSession::add_body(std::uint64_t id, Bytes bytes, bool fin) {
  for (auto& [stream_id, s] : streams_) {
    if (s->id != id) continue;
    if (s->done) return make_error(ErrorCode::kClosed, "request ", id, " is over");
    if (s->fin) return make_error(ErrorCode::kState, "the body of request ", id, " has ended");
    s->body_unacked += bytes.size();
    if (!bytes.empty()) s->body.push_back(std::move(bytes));
    s->fin = fin;
    if (s->waiting) {
      s->waiting = false;
      if (const int rv = nghttp3_conn_resume_stream(h3_, stream_id); rv != 0) {
        return make_error(ErrorCode::kState,
                          "nghttp3 cannot resume the request: ", nghttp3_strerror(rv));
      }
    }
    return {};
  }
  return make_error(ErrorCode::kClosed, "request ", id, " is over");
}

std::uint64_t Http3ClientSession::body_unacked(std::uint64_t id) const {
  for (const auto& [stream_id, s] : streams_) {
    if (s->id == id) return s->body_unacked;
  }
  return 0;
}

void Http3ClientSession::cancel(std::uint64_t id) {
  for (auto& [stream_id, s] : streams_) {
    if (s->id != id || s->done) continue;
    fail(*s, make_error(ErrorCode::kClosed, "cancelled"));
    return;
  }
}

void Http3ClientSession::on_local_reset(std::int64_t stream_id, std::uint64_t code) {
  if (auto it = streams_.find(stream_id); it != streams_.end()) it->second->reset_here = code;
}

void Http3ClientSession::fail_all(const Error& why) {
  for (auto& [stream_id, s] : streams_) {
    if (s->done) continue;
    s->drop_file();
    finish(*s, why);
  }
}

void Http3ClientSession::finish(Stream& s, Result<HttpClientResponse> result) {
  s.done = true;
  if (outcomes_) outcomes_->push_back({s.id, std::move(result)});
}

void Http3ClientSession::fail(Stream& s, Error why) {
  s.drop_file();
  finish(s, std::move(why));
  reset_later(s.stream_id, NGHTTP3_H3_REQUEST_CANCELLED);
}

}  // namespace theta_net::transport
