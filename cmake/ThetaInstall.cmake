# Install the static libraries, their headers and a CMake package so that engines can write
# find_package(theta_net CONFIG REQUIRED) and link theta_net::theta_net (everything) or
# theta_net::client (a game client without the reference game, cpp/client_sources.txt).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS theta_net_client theta_net EXPORT theta_net_targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/cpp/include/theta_net DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_BINARY_DIR}/generated/include/theta_net
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(_theta_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/theta_net)
install(EXPORT theta_net_targets NAMESPACE theta_net:: DESTINATION ${_theta_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/theta_netConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/theta_netConfig.cmake
                              INSTALL_DESTINATION ${_theta_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/theta_netConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/theta_netConfig.cmake
              ${PROJECT_BINARY_DIR}/theta_netConfigVersion.cmake
        DESTINATION ${_theta_cmake_dir})
