// A shared object without sg_plugin_entry: the kernel must say so.
extern "C" __attribute__((visibility("default"))) int kt_not_an_entry(void) {
  return 42;
}
