// Array with inline storage for the common (small) case and a heap fallback, so that coding a
// typical section allocates nothing while large volumes still work. Allocation failure is
// reported (data() == nullptr), never thrown.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

// Under AddressSanitizer every buffer is an exact heap allocation, so any access past its end is
// reported (inline storage would hide it).
#if defined(__SANITIZE_ADDRESS__)
#define THETA_CODEC_SCRATCH_ON_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define THETA_CODEC_SCRATCH_ON_HEAP 1
#endif
#endif

namespace theta_net::codec {

template <class T, std::size_t kInline>
class ScratchBuffer {
 public:
  explicit ScratchBuffer(std::size_t n) {
#ifdef THETA_CODEC_SCRATCH_ON_HEAP
    constexpr bool kUseInline = false;
#else
    constexpr bool kUseInline = true;
#endif
    if (kUseInline && n <= kInline) {
      data_ = inline_;
    } else {
      heap_.reset(new (std::nothrow) T[n]);
      data_ = heap_.get();
    }
  }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;

  T* data() {
    return data_;
  }

 private:
  T inline_[kInline];
  std::unique_ptr<T[]> heap_;
  T* data_;
};

}  // namespace theta_net::codec
