# streamgate_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>] [OUTPUT_DIR <dir>])
#
# Builds a drop-in plugin `<name>.so`: hidden visibility, a version script that exports only
# `sg_plugin_entry`, static dependencies kept private (--exclude-libs,ALL) and every symbol
# resolved at link time (-z defs), so the plugin never leans on symbols of the host binary.
# Used by every in-tree plugin and shipped in the SDK for third-party plugins.
set(_STREAMGATE_PLUGIN_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(streamgate_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "streamgate_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  if(TARGET StreamGate::headers)
    target_link_libraries(${name} PRIVATE StreamGate::headers)
  endif()
  if(ARG_LIBRARIES)
    target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES})
  endif()
  set(version_script ${_STREAMGATE_PLUGIN_CMAKE_DIR}/streamgate_plugin.map)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${version_script})
  if(ARG_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  elseif(DEFINED STREAMGATE_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${STREAMGATE_PLUGIN_OUTPUT_DIR})
  endif()
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${version_script}"
    "LINKER:--exclude-libs,ALL"
    "LINKER:-z,defs")
  if(COMMAND streamgate_warnings)
    streamgate_warnings(${name})
  endif()
endfunction()
