/* Service "kt_counter" v1.2: a tiny C service used by the kernel tests to prove that a
 * plain-C plugin can provide a service that a C++ plugin acquires. */
#ifndef KT_COUNTER_H
#define KT_COUNTER_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KT_COUNTER_SERVICE "kt_counter"
#define KT_COUNTER_MAJOR 1
#define KT_COUNTER_MINOR 2

typedef struct kt_counter_v1 {
  uint32_t struct_size;
  void* self;
  /* Adds n and returns the new total. Thread-safe. */
  int64_t (*add)(void* self, int64_t n);
  /* Current total. */
  int64_t (*get)(void* self);
  /* Number of "kt.ping" events received so far. */
  int64_t (*pings)(void* self);
} kt_counter_v1;

#ifdef __cplusplus
}
#endif

#endif
