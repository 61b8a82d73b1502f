# Installs the binary (src/kernel), the plugins and the SDK (headers + CMake package).
#
# Layout under the prefix mirrors the build tree, so an installed bin/streamgate finds its
# plugins in <prefix>/lib/streamgate/plugins exactly as build/bin/streamgate does:
#   bin/streamgate                          (installed by src/kernel)
#   lib/streamgate/plugins/*.so             component "plugins"
#   include/streamgate/...                  component "sdk"
#   <libdir>/cmake/StreamGate/...           component "sdk"  -> find_package(StreamGate)
#   etc/streamgate/*.yaml                   component "config"
# `cmake --install <build> --component sdk` installs just what out-of-tree plugins need.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/streamgate DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT sdk)
install(TARGETS streamgate_headers EXPORT StreamGateTargets COMPONENT sdk)
install(EXPORT StreamGateTargets NAMESPACE StreamGate::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/StreamGate COMPONENT sdk)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/StreamGateConfig.cmake.in
  ${CMAKE_BINARY_DIR}/StreamGateConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/StreamGate)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/StreamGateConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/StreamGateConfig.cmake
              ${CMAKE_BINARY_DIR}/StreamGateConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/StreamGatePlugin.cmake
              ${PROJECT_SOURCE_DIR}/cmake/streamgate_plugin.map
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/StreamGate COMPONENT sdk)

# Whatever plugins this build produced (test plugins live elsewhere and are not shipped).
# The path is fixed relative to bin/ because that is where the binary looks by default.
install(DIRECTORY ${STREAMGATE_PLUGIN_OUTPUT_DIR}/ DESTINATION lib/streamgate/plugins
        COMPONENT plugins OPTIONAL
        FILES_MATCHING PATTERN "*.so")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/ DESTINATION ${CMAKE_INSTALL_SYSCONFDIR}/streamgate
        COMPONENT config FILES_MATCHING PATTERN "*.yaml")
