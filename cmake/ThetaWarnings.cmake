# Warning flags for theta_net's own targets (not for third-party code).
add_library(theta_net_warnings INTERFACE)
target_compile_options(theta_net_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                    -Wnon-virtual-dtor -Wimplicit-fallthrough)
if(THETA_WERROR)
  target_compile_options(theta_net_warnings INTERFACE -Werror)
endif()
