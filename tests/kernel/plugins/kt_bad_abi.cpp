// Claims ABI 2.0: the kernel must refuse it, naming both versions.
#include <streamgate/plugin.h>

namespace {

sg_status never_create(const sg_host_api*, const char*, size_t, void**, sg_error*) {
  return SG_ERR_INTERNAL;
}
sg_status never_start(void*, sg_error*) {
  return SG_ERR_INTERNAL;
}
sg_status never_stop(void*, uint64_t, sg_error*) {
  return SG_ERR_INTERNAL;
}
void never_destroy(void*) {}

const sg_plugin_descriptor kDescriptor = {sizeof(sg_plugin_descriptor),
                                          2,
                                          0,
                                          "kt_bad_abi",
                                          "9.9.9",
                                          "kernel test: wrong ABI major",
                                          nullptr,
                                          0,
                                          nullptr,
                                          0,
                                          &never_create,
                                          &never_start,
                                          &never_stop,
                                          &never_destroy,
                                          nullptr};

}  // namespace

extern "C" SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t, uint32_t) {
  return &kDescriptor;
}
