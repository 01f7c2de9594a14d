// Core primitives against their baselines in the same run:
//   CRC32C hardware vs the portable slicing-by-8 table;
//   SipHash-2-4 (ours) vs OpenSSL 3's EVP_MAC "SIPHASH";
//   LEB128 varint encode/decode.
// Run: build/release/bench/theta_core_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <vector>

#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace {

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  theta_net::Rng rng(1);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng.next_u32());
  return v;
}

void BM_Crc32c(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(theta_net::crc32c(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(64)->Arg(1150)->Arg(8192);

void BM_Crc32cPortable(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(theta_net::crc32c_portable(data.data(), data.size()));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(64)->Arg(1150)->Arg(8192);

void BM_SipHash24(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  const theta_net::SipKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
  for (auto _ : state) benchmark::DoNotOptimize(theta_net::siphash24(key, data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SipHash24)->Arg(16)->Arg(256)->Arg(4096);

void BM_SipHash24OpenSsl(benchmark::State& state) {
  const auto data = random_bytes(static_cast<std::size_t>(state.range(0)));
  std::array<std::uint8_t, 16> key{};
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t out_size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                         OSSL_PARAM_construct_end()};
  std::array<std::uint8_t, 8> out{};
  for (auto _ : state) {
    size_t written = 0;
    EVP_MAC_init(ctx, key.data(), key.size(), params);
    EVP_MAC_update(ctx, data.data(), data.size());
    EVP_MAC_final(ctx, out.data(), &written, out.size());
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SipHash24OpenSsl)->Arg(16)->Arg(256)->Arg(4096);

void BM_VarintEncodeDecode(benchmark::State& state) {
  theta_net::Rng rng(3);
  std::vector<std::uint64_t> values(1024);
  for (auto& v : values) v = rng.next_u64() >> rng.uniform(64);
  theta_net::Bytes buf;
  buf.reserve(values.size() * 10);
  for (auto _ : state) {
    buf.clear();
    theta_net::ByteWriter w(buf);
    for (auto v : values) theta_net::write_varint(w, v);
    theta_net::ByteReader r(buf);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < values.size(); ++i) sum += *theta_net::read_varint(r);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(values.size()));
}
BENCHMARK(BM_VarintEncodeDecode);

}  // namespace
