// Version strings compiled into the kernel (STREAMGATE_VERSION comes from CMake).
#pragma once

#include <streamgate/plugin.h>

#define SGK_STR2(x) #x
#define SGK_STR(x) SGK_STR2(x)

namespace sgk {

inline constexpr const char* kVersion = STREAMGATE_VERSION;
inline constexpr const char* kAbiText = SGK_STR(SG_ABI_MAJOR) "." SGK_STR(SG_ABI_MINOR);

}  // namespace sgk
