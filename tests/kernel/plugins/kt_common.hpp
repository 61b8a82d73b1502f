// Small helpers shared by the kernel's C++ test plugins.
#pragma once

#include <streamgate/plugin.hpp>

#include "kt_counter.h"

namespace kt {

// Logs through the host so tests observe behaviour in the captured log.
inline void note(const sg::Host& host, const std::string& text) {
  host.info(text);
}

}  // namespace kt
