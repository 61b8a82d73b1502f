# Warnings for StreamGate's own targets (never for third-party code).
function(streamgate_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                                           -Woverloaded-virtual)
  # -Wnull-dereference is left out: at -O2+ it fires inside inlined Asio code.
  if(STREAMGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# C sources do not accept the C++-only flags.
function(streamgate_c_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -std=c99)
  if(STREAMGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
