// Helpers for the HTTP/3 tests: a QuicServer with HTTP routes polled on a thread of its own, a
// scratch folder, and an Http3Client's configuration and requests.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "quic_test_util.hpp"
#include "theta_net/transport/http3_client.hpp"

namespace theta_net::transport::testing {

inline std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

// A QuicServer polled on its own thread until destroyed (the HTTP handler runs there).
class ServerThread {
 public:
  explicit ServerThread(QuicServerConfig config) {
    config.idle_timeout = 5s;
    auto s = QuicServer::create(std::move(config));
    EXPECT_TRUE(s.ok()) << s.error().describe();
    server_ = std::move(*s);
    port_ = server_->port();
    thread_ = std::thread([this] {
      while (!stop_) {
        server_->poll(1ms);
        while (server_->next_event()) {
        }
      }
    });
  }
  // With `handler` as its HTTP routes, or (with_http false) a server that speaks only theta/1.
  explicit ServerThread(HttpHandler handler, bool with_http = true)
      : ServerThread([&] {
          QuicServerConfig c = server_config();
          if (with_http) c.http = std::move(handler);
          return c;
        }()) {}
  ~ServerThread() { stop(); }
  void stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    server_.reset();  // closes its connections
  }
  std::uint16_t port() const { return port_; }
  // Only what is safe from another thread (QuicServer::http_upload_bytes).
  std::uint64_t upload_bytes() const { return server_->http_upload_bytes(); }

 private:
  std::unique_ptr<QuicServer> server_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("theta_h3_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

inline Http3ClientConfig config_for(const ServerThread& s) {
  Http3ClientConfig c;
  c.port = s.port();
  c.handshake_timeout = 5s;
  c.idle_timeout = 5s;
  return c;
}

inline HttpClientRequest get(std::string path) {
  HttpClientRequest r;
  r.path = std::move(path);
  return r;
}

}  // namespace theta_net::transport::testing
