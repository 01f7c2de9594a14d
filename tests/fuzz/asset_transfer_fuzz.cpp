// Fuzzes the assets lane's decoders and state machines: AssetHost with a misbehaving client, and
// an AssetClient fed what the host answers. The input is a program of steps: raw bodies through
// the protocol decoder (AssetTransfer, AssetRequest, NackRequest), messages built from the bytes
// (offers with odd sizes, chunk sizes and tokens; chunks at any offset with any data; done;
// requests; NackRequests), time passing (idle uploads expire), connection ends, and the host's
// answers handed to a client. Whatever arrives, nothing may crash, and afterwards every file in
// the store is named by the SHA-256 of its bytes (a bad hash never commits), no partial file is
// left once the host is gone, and no byte of the store stays reserved.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_program.hpp"
#include "theta_net/core/sha256.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/asset_client.hpp"
#include "theta_net/session/asset_host.hpp"

namespace {

using namespace theta_net;
using fuzzing::Input;
namespace fs = std::filesystem;

const fs::path& work_dir() {
  static const fs::path dir =
      fs::temp_directory_path() / ("theta_asset_fuzz_" + std::to_string(::getpid()));
  return dir;
}

void check_store(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".")) std::abort();  // a partial file outlived its transfer
    std::ifstream in(entry.path(), std::ios::binary);
    const Bytes data(std::istreambuf_iterator<char>(in), {});
    if (to_hex(sha256(data)) != name) std::abort();  // committed under another hash
  }
}

protocol::AssetTransfer built_transfer(Input& in) {
  protocol::AssetTransfer m;
  m.kind = static_cast<protocol::AssetTransferKind>(in.byte() % 5);
  m.transfer = static_cast<std::uint32_t>(in.byte() % 4);
  m.total_size = in.number() * 97;
  m.chunk_size = static_cast<std::uint32_t>(in.byte() & 1 ? 1024 : in.number());
  m.offset = (in.byte() & 1) ? in.number() * 1024 : in.number();
  const ByteSpan data = in.bytes(in.number() % 2048);
  m.data.assign(data.begin(), data.end());
  // A hash the data could have (of a run of the input) or an arbitrary one.
  m.sha256 = (in.byte() & 1) ? sha256(in.bytes(in.number() % 4096)) : Sha256Digest{in.byte()};
  if (in.byte() & 1) m.resume_token[0] = in.byte();
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path dir = work_dir();
  std::error_code ec;
  fs::remove_all(dir, ec);
  assets::AssetStoreLimits limits;
  limits.max_asset_bytes = 64u << 10;
  limits.max_store_bytes = 256u << 10;
  auto server_store = assets::AssetStore::open(dir / "server", limits);
  auto client_store = assets::AssetStore::open(dir / "client", limits);
  if (!server_store.ok() || !client_store.ok()) std::abort();
  {
    session::AssetHostConfig config;
    config.chunk_size = 1024;
    config.idle_timeout = std::chrono::seconds(1);
    config.window_bytes = 8192;
    session::AssetHost host(&*server_store, config, Rng(1));
    session::AssetClient client(*client_store, {1024, 4, 8192, Micros(100'000)});
    Input in(data, size);
    Micros now{0};
    std::vector<protocol::AnyMessage> out;
    for (int step = 0; step < 256 && !in.done(); ++step) {
      switch (in.byte() % 8) {
        case 0: {  // a raw body, as the wire would bring it
          static constexpr protocol::MessageType kTypes[] = {protocol::MessageType::kAssetTransfer,
                                                             protocol::MessageType::kAssetRequest,
                                                             protocol::MessageType::kNackRequest};
          const auto type = kTypes[in.byte() % 3];
          auto message = protocol::decode_body(type, in.bytes(in.number() % 4096));
          // Session 1 is the client below; session 2 tries its tokens and ids too.
          const std::uint64_t session = 1 + (in.byte() & 1);
          if (message.ok()) (void)host.on_message(session, protocol::Role::kEditor, *message, now);
          break;
        }
        case 1:
          (void)host.on_message(1, protocol::Role::kEditor, built_transfer(in), now);
          break;
        case 2: {
          protocol::AssetRequest request;
          request.transfer = in.byte() % 4;
          request.sha256 = sha256(in.bytes(in.number() % 4096));
          request.offset = in.number();
          (void)host.on_message(1, protocol::Role::kViewer, request, now);
          break;
        }
        case 3: {
          std::vector<std::uint32_t> chunks;
          for (std::uint8_t n = in.byte() % 8; n > 0; --n) chunks.push_back(in.byte());
          (void)host.on_message(1, protocol::Role::kEditor,
                                session::asset_nack(in.byte() % 4, std::move(chunks)), now);
          break;
        }
        case 4:
          now += Micros(static_cast<std::int64_t>(in.number()) * 10'000);
          host.expire(now);
          break;
        case 5:
          if (in.byte() & 1) {
            host.on_connection_end(1, now);
          } else {
            host.forget_session(1);  // the session will not come back
          }
          client.on_reconnect(now);
          break;
        case 6: {  // the host's answers to a client that asked for things itself
          if (in.byte() & 1) {
            if (in.byte() & 1) {
              (void)client.fetch(to_hex(sha256(in.bytes(in.number() % 4096))));
            } else if (auto name = client_store->put(in.bytes(in.number() % 4096)); name.ok()) {
              (void)client.publish(*name);
            }
          }
          out.clear();
          client.take_outgoing(0, out, now);
          for (const auto& m : out) (void)host.on_message(1, protocol::Role::kEditor, m, now);
          break;
        }
        case 7:
          out.clear();
          host.take_outgoing(1, in.number(), out, now);
          for (const auto& m : out) (void)client.on_message(m, now);
          break;
      }
    }
  }
  check_store(dir / "server");
  check_store(dir / "client");
  if (server_store->reserved_bytes() != 0 || client_store->reserved_bytes() != 0) std::abort();
  return 0;
}
