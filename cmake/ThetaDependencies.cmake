# Third-party packages, all from Debian 12 (scripts/bootstrap installs them). The library links
# them privately: no public header includes them, but a static library's users still link them,
# so cmake/theta_netConfig.cmake.in finds the same packages.
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
# QUIC: ngtcp2 0.12 with its GnuTLS crypto backend (see ../shared/notes/ngtcp2-0.12.md), and
# nghttp3 0.8 (its paired release) for HTTP/3 on the same port.
pkg_check_modules(THETA_QUIC REQUIRED IMPORTED_TARGET libngtcp2 libngtcp2_crypto_gnutls gnutls libnghttp3)
find_package(zstd CONFIG REQUIRED)       # zstd::libzstd_shared
find_package(msgpack CONFIG REQUIRED)    # msgpackc-cxx (header-only)
find_package(OpenSSL REQUIRED)           # OpenSSL::Crypto: SHA-1 (WebSocket keys), SHA-256, Ed25519
find_package(wslay CONFIG REQUIRED)      # wslay: WebSocket frames without I/O (transport/ws_link.cpp)
find_package(tomlplusplus 3 CONFIG REQUIRED)  # toml++ 3.3: data schema TOML (data/schema_toml.cpp)
