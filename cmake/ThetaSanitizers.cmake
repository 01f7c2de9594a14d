# THETA_SANITIZE=address,undefined instruments every target in this build tree. UBSan findings
# abort instead of printing and carrying on, so a test run cannot pass with undefined behaviour.
if(THETA_SANITIZE)
  # Line tables are all a sanitizer report needs (file:line in every frame); full debug info
  # would make this tree's compile a third slower for nothing the reports use.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(_theta_debug_info -gline-tables-only)
  else()
    set(_theta_debug_info -g1)
  endif()
  set(_theta_san_flags -fsanitize=${THETA_SANITIZE} -fno-omit-frame-pointer ${_theta_debug_info})
  if(THETA_SANITIZE MATCHES "undefined")
    list(APPEND _theta_san_flags -fno-sanitize-recover=undefined)
  endif()
  add_compile_options(${_theta_san_flags})
  add_link_options(-fsanitize=${THETA_SANITIZE})
endif()
if(THETA_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "THETA_BUILD_FUZZ needs clang (libFuzzer); configure with CXX=clang++")
  endif()
  # Coverage instrumentation for all code the fuzzers reach; the fuzzer main is linked per target.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
