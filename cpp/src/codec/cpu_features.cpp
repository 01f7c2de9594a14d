#include "cpu_features.hpp"

#include "hot_path.hpp"

namespace theta_net::codec {
namespace {

#if THETA_CODEC_HAVE_AVX2_KERNELS
const bool kHasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                      __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
#else
const bool kHasAvx2 = false;
#endif

}  // namespace

bool cpu_has_avx2() {
  return kHasAvx2;
}

}  // namespace theta_net::codec
