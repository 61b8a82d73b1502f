// The entry returns NULL (cannot work with this host).
#include <streamgate/plugin.h>

extern "C" SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t, uint32_t) {
  return nullptr;
}
