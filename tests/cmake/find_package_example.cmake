# Installs the theta_net build in BUILD_DIR into a fresh prefix, then configures, builds and runs
# each example as a separate CMake project that only knows find_package(theta_net): examples/cpp
# links theta_net::theta_net, examples/cpp_client links theta_net::client alone, examples/arena is
# a game on the public API.
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# Configures, builds and runs examples/<name>, whose program (given any further arguments) must
# print "<success>".
function(build_and_run name program success)
  set(build ${WORK_DIR}/${name})
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/${name} -B ${build} -G Ninja
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build ${build})
  run(${build}/${program} ${ARGN})
  message(STATUS "${name} output:\n${last_output}")
  if(NOT last_output MATCHES "${success}")
    message(FATAL_ERROR "examples/${name} did not report success:\n${last_output}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
if(NOT EXISTS ${prefix}/lib/cmake/theta_net/theta_netConfig.cmake)
  message(FATAL_ERROR "install did not produce lib/cmake/theta_net/theta_netConfig.cmake")
endif()
build_and_run(cpp theta_net_example "theta_net example: ok")
build_and_run(cpp_client theta_net_client_example "theta_net client example: ok")
# The arena, a whole second game on the installed package: a short SimNet match.
build_and_run(arena theta_arena_match "arena: ok" --players 3 --seconds 4 --latency-ms 40 --loss 0.02)

# The client example's link line names the client library and not the whole one.
file(READ ${WORK_DIR}/cpp_client/build.ninja client_ninja)
if(NOT client_ninja MATCHES "libtheta_net_client\\.a")
  message(FATAL_ERROR "examples/cpp_client does not link libtheta_net_client.a")
endif()
if(client_ninja MATCHES "libtheta_net\\.a")
  message(FATAL_ERROR "examples/cpp_client links libtheta_net.a: theta_net::client must stand alone")
endif()
