#include "cpu_features.hpp"

#include "hot_path.hpp"

namespace theta_net::codec {
namespace {

#if THETA_CODEC_HAVE_AVX2_KERNELS
const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                      __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
const bool kHasFastPdep =
    __builtin_cpu_supports("bmi2") && !__builtin_cpu_is("znver1") && !__builtin_cpu_is("znver2");
const bool kHasAvx512 = kHasAvx2 && __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
const bool kHasAvx2 = false;
const bool kHasFastPdep = false;
const bool kHasAvx512 = false;
#endif

}  // namespace

bool cpu_has_avx2() {
  return kHasAvx2;
}

bool cpu_has_fast_pdep() {
  return kHasFastPdep;
}

bool cpu_has_avx512() {
  return kHasAvx512;
}

}  // namespace theta_net::codec
