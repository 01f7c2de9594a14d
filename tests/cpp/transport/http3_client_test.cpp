// HTTP/3 over real QUIC on loopback, both sides theta_net's: a QuicServer with HTTP routes (on a
// thread of its own) and an Http3Client. Checked: bodies in memory and in files (a file appears
// only when complete, never for an error status), Range slices of a file body, HEAD, PUT bodies,
// more requests than the server allows streams at once, the bounds (max_body_bytes), cancel,
// a server that goes away mid-download, and requests refused before they are sent.
#include "theta_net/transport/http3_client.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "http3_test_util.hpp"

namespace theta_net::transport {
namespace {

using namespace std::chrono_literals;
using testing::config_for;
using testing::get;
using testing::ServerThread;
using testing::TempDir;
using testing::text;
namespace fs = std::filesystem;

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Routes: /hello (text), /file?offset=A&length=N (a slice of `file`), /echo (PUT: the body's
// size and first bytes back), anything else 404.
HttpHandler routes(const fs::path& file) {
  return [file](const HttpRequest& r) {
    if (r.route() == "/hello") {
      HttpResponse out = http_text(200, "hello over h3\n");
      out.add_header("x-test", "yes");
      return out;
    }
    if (r.route() == "/file") {
      HttpResponse out;
      out.status = 206;
      out.file_path = file.string();
      const std::string q = r.path.substr(r.path.find('?') + 1);
      out.file_offset = std::stoull(q.substr(q.find("offset=") + 7));
      out.file_length = std::stoull(q.substr(q.find("length=") + 7));
      return out;
    }
    if (r.route() == "/echo" && r.method == "PUT") {
      return http_text(201, std::to_string(r.body.size()) + ":" +
                                std::string(r.body.begin(), r.body.begin() + 4));
    }
    if (r.route() == "/status99") return http_text(99, "not a status\n");
    return http_text(404, "no such route\n");
  };
}

struct Http3ClientTest : ::testing::Test {
  TempDir dir;
  fs::path file = dir.path() / "blob";
  Bytes blob = testing::pattern(5u << 20, 7);
  void SetUp() override {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(blob.data()),
               static_cast<std::streamsize>(blob.size()));
  }
};

TEST_F(Http3ClientTest, GetsABodyWithItsHeaders) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  auto r = (*client)->fetch(get("/hello"), 10s);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(text(r->body), "hello over h3\n");
  EXPECT_EQ(r->header("x-test"), "yes");
  EXPECT_EQ(r->header("content-length"), "14");
  EXPECT_EQ(r->body_bytes, 14u);
  auto missing = (*client)->fetch(get("/nothing"), 10s);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  HttpClientRequest head = get("/hello");
  head.method = "HEAD";
  auto h = (*client)->fetch(head, 10s);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  EXPECT_TRUE(h->body.empty());
  EXPECT_EQ(h->header("content-length"), "14");
}

TEST_F(Http3ClientTest, AFileSliceGoesIntoAFileOnlyWhenComplete) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  const fs::path out = dir.path() / "slice";
  HttpClientRequest r = get("/file?offset=1000000&length=3000000");
  r.save_to = out.string();
  auto got = (*client)->fetch(r, 20s);
  ASSERT_TRUE(got.ok()) << got.error().describe();
  EXPECT_EQ(got->status, 206);
  EXPECT_EQ(got->saved_to, out.string());
  EXPECT_EQ(got->body_bytes, 3000000u);
  EXPECT_TRUE(got->body.empty());
  EXPECT_EQ(read_file(out), Bytes(blob.begin() + 1000000, blob.begin() + 4000000));
  EXPECT_FALSE(fs::exists(out.string() + ".part"));

  // An error status keeps its text in memory and writes no file.
  const fs::path none = dir.path() / "none";
  HttpClientRequest bad = get("/nothing");
  bad.save_to = none.string();
  auto refused = (*client)->fetch(bad, 10s);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 404);
  EXPECT_EQ(text(refused->body), "no such route\n");
  EXPECT_TRUE(refused->saved_to.empty());
  EXPECT_FALSE(fs::exists(none));
  EXPECT_FALSE(fs::exists(none.string() + ".part"));
}

// A body at or over direct_io_min_bytes goes to its file with O_DIRECT (where the file system
// has it), its last partial block through the page cache: the same bytes, whatever the length.
TEST_F(Http3ClientTest, ALargeBodyWrittenPastThePageCacheIsTheSameBytes) {
  ServerThread server(routes(file));
  Http3ClientConfig config = config_for(server);
  config.direct_io_min_bytes = 1u << 20;
  auto client = Http3Client::connect(config);
  ASSERT_TRUE(client.ok()) << client.error().describe();
  for (const std::size_t length : {std::size_t{3000001}, std::size_t{2u << 20}}) {
    const fs::path out = dir.path() / ("direct_" + std::to_string(length));
    HttpClientRequest r = get("/file?offset=4097&length=" + std::to_string(length));
    r.save_to = out.string();
    auto got = (*client)->fetch(r, 20s);
    ASSERT_TRUE(got.ok()) << got.error().describe();
    EXPECT_EQ(got->body_bytes, length);
    EXPECT_EQ(read_file(out), Bytes(blob.begin() + 4097, blob.begin() + 4097 + length));
  }
}

// The disk refuses the body part-way (RLIMIT_FSIZE makes write fail with EFBIG): the download
// fails with kIo naming the reason, and neither the file nor its part is left.
// Both ways of writing: through the page cache, and with O_DIRECT (a threshold under the body).
class Http3ClientDiskTest : public Http3ClientTest,
                            public ::testing::WithParamInterface<std::uint64_t> {};
INSTANTIATE_TEST_SUITE_P(Writes, Http3ClientDiskTest, ::testing::Values(0u, 1u << 20));

TEST_P(Http3ClientDiskTest, ADiskThatRefusesTheBodyLeavesNoFile) {
  ServerThread server(routes(file));
  Http3ClientConfig config = config_for(server);
  config.direct_io_min_bytes = GetParam();
  auto client = Http3Client::connect(config);
  ASSERT_TRUE(client.ok()) << client.error().describe();
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 1u << 20;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const fs::path out = dir.path() / "too_big";
  HttpClientRequest r = get("/file?offset=0&length=5242880");
  r.save_to = out.string();
  auto got = (*client)->fetch(r, 20s);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kIo);
  EXPECT_NE(got.error().message.find("too_big.part"), std::string::npos) << got.error().message;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".part"));
  auto after = (*client)->fetch(get("/hello"), 10s);  // the connection goes on
  ASSERT_TRUE(after.ok()) << after.error().describe();
}

TEST_F(Http3ClientTest, PutCarriesItsBody) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  HttpClientRequest put = get("/echo");
  put.method = "PUT";
  put.body = testing::pattern(1u << 20, 3);
  auto r = (*client)->fetch(put, 20s);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(text(r->body), "1048576:" + text(Bytes(put.body.begin(), put.body.begin() + 4)));
}

TEST_F(Http3ClientTest, MoreRequestsThanStreamsAllowedAllComplete) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 150; ++i) {  // the server allows 64 open at once (Http3Limits)
    auto id = c.submit(get("/file?offset=" + std::to_string(i * 1000) + "&length=1000"));
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  std::size_t done = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::vector<bool> seen(ids.size());
  while (done < ids.size() && std::chrono::steady_clock::now() < deadline) {
    c.poll(1ms);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (seen[i]) continue;
      auto r = c.take(ids[i]);
      if (!r) continue;
      ASSERT_TRUE(r->ok()) << r->error().describe();
      EXPECT_EQ((*r)->body, Bytes(blob.begin() + i * 1000, blob.begin() + i * 1000 + 1000));
      seen[i] = true;
      ++done;
    }
  }
  EXPECT_EQ(done, ids.size());
  EXPECT_FALSE(c.take(ids[0]).has_value());  // an outcome is handed over once
}

TEST_F(Http3ClientTest, ABodyOverTheBoundFailsAndTheConnectionGoesOn) {
  ServerThread server(routes(file));
  Http3ClientConfig config = config_for(server);
  config.max_body_bytes = 100000;
  auto client = Http3Client::connect(config);
  ASSERT_TRUE(client.ok()) << client.error().describe();
  auto big = (*client)->fetch(get("/file?offset=0&length=2000000"), 10s);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(big.error().message.find("max_body_bytes"), std::string::npos);
  auto small = (*client)->fetch(get("/file?offset=0&length=100000"), 10s);
  ASSERT_TRUE(small.ok()) << small.error().describe();
  EXPECT_EQ(small->body.size(), 100000u);
}

TEST_F(Http3ClientTest, CancelEndsARequestAndRemovesItsPartFile) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  HttpClientRequest r = get("/file?offset=0&length=5242880");
  const fs::path out = dir.path() / "cancelled";
  r.save_to = out.string();
  auto id = c.submit(r);
  ASSERT_TRUE(id.ok());
  c.poll(1ms);
  c.cancel(*id);
  auto outcome = c.take(*id);
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->error().code, ErrorCode::kClosed);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out.string() + ".part"));
  auto after = c.fetch(get("/hello"), 10s);
  ASSERT_TRUE(after.ok()) << after.error().describe();
  EXPECT_EQ(after->status, 200);
}

TEST_F(Http3ClientTest, AServerThatGoesAwayFailsOpenRequests) {
  auto server = std::make_unique<ServerThread>(routes(file));
  auto client = Http3Client::connect(config_for(*server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  auto id = c.submit(get("/file?offset=0&length=5242880"));
  ASSERT_TRUE(id.ok());
  c.poll(1ms);
  server.reset();  // the server closes its connections as it goes
  std::optional<Result<HttpClientResponse>> outcome;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!outcome && std::chrono::steady_clock::now() < deadline) {
    c.poll(5ms);
    outcome = c.take(*id);
  }
  // 5 MiB cannot have arrived: the server sends a file at most 1 MiB past what the client has
  // acknowledged (Http3Limits::file_window_bytes), and the client polled once before the close.
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->error().code, ErrorCode::kClosed);
  for (int i = 0; i < 2000 && c.connected(); ++i) c.poll(5ms);
  EXPECT_FALSE(c.connected());
  auto refused = c.submit(get("/hello"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kClosed);
}

TEST_F(Http3ClientTest, MalformedRequestsAreRefusedByName) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  auto no_slash = c.submit(get("hello"));
  ASSERT_FALSE(no_slash.ok());
  EXPECT_EQ(no_slash.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(no_slash.error().message.find("'/'"), std::string::npos);
  HttpClientRequest upper = get("/hello");
  upper.headers.push_back({"X-Upper", "1"});
  EXPECT_EQ(c.submit(upper).error().code, ErrorCode::kInvalidArgument);
  HttpClientRequest crlf = get("/hello");
  crlf.headers.push_back({"x-evil", "a\r\nb: c"});
  EXPECT_EQ(c.submit(crlf).error().code, ErrorCode::kInvalidArgument);
  HttpClientRequest method = get("/hello");
  method.method = "GE T";
  EXPECT_EQ(c.submit(method).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(Http3ClientTest, AResponseWithoutAValidStatusIsRefused) {
  ServerThread server(routes(file));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  auto r = (*client)->fetch(get("/status99"), 10s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << r.error().describe();
  auto after = (*client)->fetch(get("/hello"), 10s);  // the connection is still good
  ASSERT_TRUE(after.ok()) << after.error().describe();
}

TEST_F(Http3ClientTest, AServerWithoutHttpRefusesH3) {
  ServerThread server(routes(file), /*with_http=*/false);
  auto client = Http3Client::connect(config_for(server));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, ErrorCode::kRejected);
}

}  // namespace
}  // namespace theta_net::transport
