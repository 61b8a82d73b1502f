#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "config.hpp"

namespace sgk {

namespace {

// Descriptor size of ABI 1.0: the smallest a plugin may declare.
constexpr size_t kMinDescriptorSize = sizeof(sg_plugin_descriptor);

std::string version_text(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

bool valid_service_name(const char* s) {
  if (s == nullptr || *s == '\0') return false;
  for (const char* p = s; *p != '\0'; ++p) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
      return false;
    }
    if (p - s > 64) return false;
  }
  return true;
}

}  // namespace

std::filesystem::path default_plugin_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::path("lib/streamgate/plugins");
  return (exe.parent_path() / ".." / "lib" / "streamgate" / "plugins").lexically_normal();
}

Result<std::vector<std::filesystem::path>> list_plugin_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return fail("plugin directory " + dir.string() + " does not exist");
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail("plugin directory " + dir.string() + " is not a directory");
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".so") continue;
    std::error_code fec;
    if (!std::filesystem::is_regular_file(entry.path(), fec)) continue;  // follows symlinks
    files.push_back(entry.path());
  }
  if (ec) return fail("cannot list plugin directory " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Result<PluginInfo> load_plugin(const std::filesystem::path& file) {
  const std::string where = "plugin " + file.string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return fail(where + ": file does not exist");

  // RTLD_LOCAL keeps each plugin's symbols private; RTLD_NOW reports missing symbols here
  // rather than at first call. Never dlclose: code may still run from detached threads.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = dlerror();
    return fail(where + ": dlopen failed: " + (e != nullptr ? e : "unknown error"));
  }
  dlerror();
  void* sym = dlsym(handle, SG_PLUGIN_ENTRY_SYMBOL);
  if (sym == nullptr) {
    return fail(where + ": no entry symbol '" SG_PLUGIN_ENTRY_SYMBOL
                        "' (is it a StreamGate plugin?)");
  }
  sg_plugin_entry_fn entry = nullptr;
  static_assert(sizeof(entry) == sizeof(sym));
  std::memcpy(&entry, &sym, sizeof(entry));  // object->function pointer without a cast warning

  const sg_plugin_descriptor* d = nullptr;
  try {
    d = entry(SG_ABI_MAJOR, SG_ABI_MINOR);
  } catch (...) {
    return fail(where + ": " SG_PLUGIN_ENTRY_SYMBOL " threw an exception");
  }
  if (d == nullptr) {
    return fail(where + ": " SG_PLUGIN_ENTRY_SYMBOL "(" + version_text(SG_ABI_MAJOR, SG_ABI_MINOR) +
                ") returned NULL (the plugin cannot work with host ABI " +
                version_text(SG_ABI_MAJOR, SG_ABI_MINOR) + ")");
  }
  // The ABI numbers come right after struct_size in every version: check them first so that
  // a plugin from another major is named as such rather than as "malformed".
  if (d->abi_major != SG_ABI_MAJOR) {
    return fail(where + ": ABI mismatch: plugin built for ABI " +
                version_text(d->abi_major, d->abi_minor) + ", host provides ABI " +
                version_text(SG_ABI_MAJOR, SG_ABI_MINOR) + " (major versions must be equal)");
  }
  if (d->abi_minor > SG_ABI_MINOR) {
    return fail(
        where + ": ABI mismatch: plugin built for ABI " + version_text(d->abi_major, d->abi_minor) +
        " needs a newer host, host provides ABI " + version_text(SG_ABI_MAJOR, SG_ABI_MINOR));
  }
  if (d->struct_size < kMinDescriptorSize) {
    return fail(where + ": descriptor struct_size " + std::to_string(d->struct_size) +
                " is smaller than ABI 1.0's " + std::to_string(kMinDescriptorSize));
  }
  if (d->id == nullptr || !valid_plugin_id(d->id)) {
    return fail(where + ": invalid plugin id (must match [a-z0-9_-]+)");
  }
  PluginInfo info;
  info.id = d->id;
  const std::string who = where + " (id '" + info.id + "')";
  if (d->version == nullptr || *d->version == '\0') return fail(who + ": missing version");
  if (d->create == nullptr || d->destroy == nullptr || d->start == nullptr || d->stop == nullptr) {
    return fail(who + ": descriptor lacks create/start/stop/destroy");
  }
  if ((d->provides_count > 0 && d->provides == nullptr) ||
      (d->dependency_count > 0 && d->dependencies == nullptr) || d->provides_count > 256 ||
      d->dependency_count > 256) {
    return fail(who + ": malformed provides/dependencies arrays");
  }
  info.version = d->version;
  info.description = d->description != nullptr ? d->description : "";
  info.file = file;
  info.abi_major = d->abi_major;
  info.abi_minor = d->abi_minor;
  info.descriptor = d;
  for (size_t i = 0; i < d->provides_count; ++i) {
    const auto& p = d->provides[i];
    if (!valid_service_name(p.name)) return fail(who + ": provides a service with an invalid name");
    info.provides.push_back(ServiceDecl{p.name, p.major, p.minor});
  }
  for (size_t i = 0; i < d->dependency_count; ++i) {
    const auto& r = d->dependencies[i];
    if (!valid_service_name(r.name)) return fail(who + ": requires a service with an invalid name");
    info.requires_.push_back(ServiceDep{r.name, r.major, r.min_minor, r.optional != 0});
  }
  return info;
}

}  // namespace sgk
