# Installs the binary, the plugins and the SDK (headers + CMake package).
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/streamgate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS streamgate_headers EXPORT StreamGateTargets)
install(EXPORT StreamGateTargets NAMESPACE StreamGate::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/StreamGate)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/StreamGateConfig.cmake.in
  ${CMAKE_BINARY_DIR}/StreamGateConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/StreamGate)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/StreamGateConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/StreamGateConfig.cmake
              ${CMAKE_BINARY_DIR}/StreamGateConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/StreamGatePlugin.cmake
              ${PROJECT_SOURCE_DIR}/cmake/streamgate_plugin.map
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/StreamGate)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/ DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/streamgate
        FILES_MATCHING PATTERN "*.yaml")
