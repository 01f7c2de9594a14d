// Which SIMD kernels this CPU can run, detected once at start-up.
#pragma once

namespace theta_net::codec {

// True when the CPU has AVX2, BMI1/2, POPCNT and LZCNT (x86-64-v3) and the build has the kernels.
bool cpu_has_avx2();

}  // namespace theta_net::codec
