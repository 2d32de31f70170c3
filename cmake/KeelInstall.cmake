# What `cmake --install build [--prefix DIR]` puts where:
#   bin/                    keel-node, keelctl, keel-bench, keel-jepsen
#   lib/keel/               the C++ client library: libkeel_client.a and the two
#                           libraries under it (libkeel_core.a, libkeel_proto.a)
#   include/keel/           its headers, at the paths they have in the tree
#                           ("actors/client/client.hpp", "messages/kv.pb.h", ...)
#   lib/cmake/Keel/         the package: find_package(Keel) gives Keel::client
#   lib/systemd/system/     keel-node@.service (docs/operations.md)
#   share/doc/keel/         README.md, operations.md
# A program outside the tree links the client library with
#   find_package(Keel 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE Keel::client)
# (tests/package/ is such a program; the system test Package.* builds it.)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

foreach(tool keel-node keelctl keel-bench keel-jepsen)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endforeach()

set_target_properties(keel_client PROPERTIES EXPORT_NAME client)
set_target_properties(keel_core PROPERTIES EXPORT_NAME core)
set_target_properties(keel_proto PROPERTIES EXPORT_NAME proto)
install(TARGETS keel_client keel_core keel_proto EXPORT KeelTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}/keel)

# The headers a client program reaches from actors/client/client.hpp, by
# directory: the client library, the configuration model its options come
# from, the error types, and the generated messages.
set(_keel_include ${CMAKE_INSTALL_INCLUDEDIR}/keel)
foreach(dir actors/client actors/client/core actors/config/core actors/base/core)
  file(GLOB _headers ${CMAKE_SOURCE_DIR}/${dir}/*.hpp)
  install(FILES ${_headers} DESTINATION ${_keel_include}/${dir})
endforeach()
install(DIRECTORY ${CMAKE_BINARY_DIR}/messages/ DESTINATION ${_keel_include}/messages
  FILES_MATCHING PATTERN "*.pb.h")

set(_keel_cmake ${CMAKE_INSTALL_LIBDIR}/cmake/Keel)
install(EXPORT KeelTargets NAMESPACE Keel:: DESTINATION ${_keel_cmake})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/KeelConfig.cmake.in
  ${CMAKE_BINARY_DIR}/KeelConfig.cmake INSTALL_DESTINATION ${_keel_cmake})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/KeelConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
# Debian ships CAF without a package config: the consumer finds it the way
# this build does.
install(FILES ${CMAKE_BINARY_DIR}/KeelConfig.cmake ${CMAKE_BINARY_DIR}/KeelConfigVersion.cmake
  ${CMAKE_SOURCE_DIR}/cmake/FindCAF.cmake DESTINATION ${_keel_cmake})

# The unit names keel-node by its installed path, so it is made at install
# time, when the prefix (cmake --install --prefix DIR) is known.
install(CODE "
  set(KEEL_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(KEEL_DOCDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/scripts/systemd/keel-node@.service.in\"
    \"${CMAKE_BINARY_DIR}/keel-node@.service\" @ONLY)
  file(INSTALL \"${CMAKE_BINARY_DIR}/keel-node@.service\"
    DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/systemd/system\")
")
install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md ${CMAKE_SOURCE_DIR}/README.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
