/* A StreamGate plugin in plain C99: provides kt_counter@1.2, answers every "kt.ping" event
 * with "kt.pong" {"pings":n}, logs on stop. Proves plugin.h is a C header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <streamgate/plugin.h>

#include "kt_counter.h"

typedef struct provider {
  const sg_host_api* host;
  kt_counter_v1 table;
  int64_t total; /* guarded by the GCC atomics below: C99 has no <stdatomic.h> */
  int64_t pings;
  uint64_t sub_id;
} provider;

static int64_t counter_add(void* self, int64_t n) {
  provider* p = (provider*)self;
  return __atomic_add_fetch(&p->total, n, __ATOMIC_SEQ_CST);
}

static int64_t counter_get(void* self) {
  provider* p = (provider*)self;
  return __atomic_load_n(&p->total, __ATOMIC_SEQ_CST);
}

static int64_t counter_pings(void* self) {
  provider* p = (provider*)self;
  return __atomic_load_n(&p->pings, __ATOMIC_SEQ_CST);
}

static void log_line(provider* p, sg_log_level level, const char* text) {
  p->host->log(p->host->host, level, text, strlen(text));
}

static void on_ping(void* user, const char* topic, size_t topic_size, const char* json,
                    size_t json_size) {
  provider* p = (provider*)user;
  char body[64];
  int64_t n = __atomic_add_fetch(&p->pings, 1, __ATOMIC_SEQ_CST);
  int len = snprintf(body, sizeof body, "{\"pings\":%lld}", (long long)n);
  (void)topic;
  (void)topic_size;
  (void)json;
  (void)json_size;
  p->host->publish(p->host->host, "kt.pong", 7, body, (size_t)len, NULL);
}

static sg_status provider_create(const sg_host_api* host, const char* config, size_t config_size,
                                 void** out, sg_error* err) {
  provider* p;
  sg_status st;
  (void)config;
  (void)config_size;
  p = (provider*)calloc(1, sizeof *p);
  if (p == NULL) return SG_ERR_INTERNAL;
  p->host = host;
  p->table.struct_size = sizeof p->table;
  p->table.self = p;
  p->table.add = counter_add;
  p->table.get = counter_get;
  p->table.pings = counter_pings;
  st = host->service_register(host->host, KT_COUNTER_SERVICE, strlen(KT_COUNTER_SERVICE),
                              KT_COUNTER_MAJOR, KT_COUNTER_MINOR, &p->table, err);
  if (st != SG_OK) {
    free(p);
    return st;
  }
  *out = p;
  return SG_OK;
}

static sg_status provider_start(void* instance, sg_error* err) {
  provider* p = (provider*)instance;
  sg_status st = p->host->subscribe(p->host->host, "kt.ping", 7, on_ping, p, &p->sub_id, err);
  if (st == SG_OK) log_line(p, SG_LOG_INFO, "kt_c_provider started");
  return st;
}

static sg_status provider_stop(void* instance, uint64_t deadline_ms, sg_error* err) {
  provider* p = (provider*)instance;
  (void)deadline_ms;
  (void)err;
  p->host->unsubscribe(p->host->host, p->sub_id);
  log_line(p, SG_LOG_INFO, "kt_c_provider stopping\nsecond line");
  return SG_OK;
}

static void provider_destroy(void* instance) {
  free(instance);
}

static void release_buffer(char* data) {
  free(data);
}

static sg_status provider_health(void* instance, sg_owned_str* out, sg_error* err) {
  provider* p = (provider*)instance;
  char* text = (char*)malloc(64);
  (void)err;
  if (text == NULL) return SG_ERR_INTERNAL;
  out->size =
      (size_t)snprintf(text, 64, "{\"healthy\":true,\"total\":%lld}", (long long)counter_get(p));
  out->data = text;
  out->release = release_buffer;
  return SG_OK;
}

static const sg_service_decl kProvides[] = {
    {KT_COUNTER_SERVICE, KT_COUNTER_MAJOR, KT_COUNTER_MINOR}};

static const sg_plugin_descriptor kDescriptor = {sizeof(sg_plugin_descriptor),
                                                 SG_ABI_MAJOR,
                                                 SG_ABI_MINOR,
                                                 "kt_c_provider",
                                                 "1.0.0",
                                                 "kernel test: C provider",
                                                 kProvides,
                                                 1,
                                                 NULL,
                                                 0,
                                                 provider_create,
                                                 provider_start,
                                                 provider_stop,
                                                 provider_destroy,
                                                 provider_health};

SG_EXPORT const sg_plugin_descriptor* sg_plugin_entry(uint32_t host_major, uint32_t host_minor) {
  (void)host_major;
  (void)host_minor;
  return &kDescriptor;
}
