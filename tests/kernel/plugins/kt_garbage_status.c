/* A C plugin whose start() returns a value outside sg_status: the kernel must treat it as
 * an internal error, not trust it. */
#include <stddef.h>

#include <streamgate/plugin.h>

static int kInstance;

static sg_status g_create(const sg_host_api* host, const char* config, size_t size, void** out,
                          sg_error* err) {
  (void)host;
  (void)config;
  (void)size;
  (void)err;
  *out = &kInstance;
  return SG_OK;
}
static sg_status g_start(void* instance, sg_error* err) {
  (void)instance;
  (void)err; /* deliberately leaves err untouched */
  return (sg_status)42;
}
static sg_status g_stop(void* instance, uint64_t deadline, sg_error* err) {
  (void)instance;
  (void)deadline;
  (void)err;
  return SG_OK;
}
static void g_destroy(void* instance) {
  (void)instance;
}

static const sg_plugin_descriptor kDescriptor = {sizeof(sg_plugin_descriptor),
                                                 SG_ABI_MAJOR,
                                                 SG_ABI_MINOR,
                                                 "kt_garbage_status",
                                                 "0.1.0",
                                                 "kernel test: garbage status",
                                                 NULL,
                                                 0,
                                                 NULL,
                                                 0,
                                                 g_create,
                                                 g_start,
                                                 g_stop,
                                                 g_destroy,
                                                 NULL};

SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t host_major, uint32_t host_minor) {
  (void)host_major;
  (void)host_minor;
  return &kDescriptor;
}
