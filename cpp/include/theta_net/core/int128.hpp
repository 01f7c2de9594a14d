// 128-bit integers for exact intermediate products (fixed-point multiply, Lemire's bounded
// random). GCC and clang provide them as an extension; __extension__ keeps -Wpedantic quiet.
#pragma once

namespace theta_net {

__extension__ typedef __int128 int128_t;
__extension__ typedef unsigned __int128 uint128_t;

}  // namespace theta_net
