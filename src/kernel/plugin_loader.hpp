// Finding plugin files and loading their descriptors (dlopen RTLD_NOW|RTLD_LOCAL, never
// dlclose), with the ABI checks of plugin.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <streamgate/plugin.h>

#include "result.hpp"

namespace sgk {

struct ServiceDecl {
  std::string name;
  uint32_t major = 0;
  uint32_t minor = 0;
};

struct ServiceDep {
  std::string name;
  uint32_t major = 0;
  uint32_t min_minor = 0;
  bool optional = false;
};

// What the kernel keeps of a descriptor: copies of its strings (validated) plus the
// descriptor itself for the callbacks.
struct PluginInfo {
  std::string id;
  std::string version;
  std::string description;
  std::filesystem::path file;
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::vector<ServiceDecl> provides;
  std::vector<ServiceDep> requires_;
  const sg_plugin_descriptor* descriptor = nullptr;
};

// The *.so files directly inside `dir`, sorted by name. Error when `dir` is missing or not
// a directory.
Result<std::vector<std::filesystem::path>> list_plugin_files(const std::filesystem::path& dir);

// dlopens `file`, calls its entry and validates the descriptor. One-line errors name the
// file (missing, dlopen failure, no entry symbol, NULL descriptor, ABI mismatch, malformed).
Result<PluginInfo> load_plugin(const std::filesystem::path& file);

// "<exe dir>/../lib/streamgate/plugins".
std::filesystem::path default_plugin_dir();

}  // namespace sgk
