// Which SIMD kernels this CPU can run, detected once at start-up, and which a codec runs.
#pragma once

namespace theta_net::codec {

// True when the CPU has AVX2, BMI1/2 and POPCNT (x86-64-v3) and the build has the kernels.
bool cpu_has_avx2();
// True when BMI2 pdep is a fast instruction: Intel, and AMD from Zen 3 on (Zen 1 and 2
// microcode it at hundreds of cycles).
bool cpu_has_fast_pdep();
// True when the CPU also has AVX-512 F, BW and VL (the AVX-512 row kernel's needs) and
// the build has the kernels.
bool cpu_has_avx512();

struct Kernels {
  bool avx2 = false;
  bool pdep = false;    // within the AVX2 kernels
  bool avx512 = false;  // the AVX-512 row kernel of the fast decoder (implies avx2)
};

}  // namespace theta_net::codec
