// The C table of service "jobs" v1. Every entry is noexcept and maps exceptions to
// sg_status + message (sg::provider::guard).
#include <streamgate/plugin.hpp>

#include "job_types.hpp"
#include "service.hpp"
#include "sql/util.hpp"

namespace sg::worker {
namespace {

Context* self_of(void* s) {
  return static_cast<Context*>(s);
}

std::string str(const char* p, size_t n) {
  return p == nullptr ? std::string() : std::string(p, n);
}

sg_status enqueue(void* self, const char* type, size_t type_size, const char* payload,
                  size_t payload_size, const sg_job_options* options, sg_owned_str* out_id,
                  sg_error* err) {
  return provider::guard(err, [&] {
    std::string id =
        self_of(self)->enqueue(str(type, type_size), str(payload, payload_size), options);
    if (out_id != nullptr && !provider::give(id, out_id))
      throw Error(SG_ERR_INTERNAL, "out of memory");
  });
}

sg_status register_handler(void* self, const char* type, size_t type_size, sg_job_handler_fn fn,
                           void* user, sg_error* err) {
  return provider::guard(err, [&] {
    std::string t = str(type, type_size);
    if (!valid_job_type(t)) throw Error(SG_ERR_INVALID, "type: must match [a-z0-9_.-]{1,64}");
    if (fn == nullptr) throw Error(SG_ERR_INVALID, "fn: must not be NULL");
    sg_status st = self_of(self)->runner().register_handler(t, fn, user);
    if (st == SG_ERR_EXISTS)
      throw Error(st, "a handler for job type '" + t + "' is already registered");
  });
}

sg_status unregister_handler(void* self, const char* type, size_t type_size) {
  try {
    return self_of(self)->runner().unregister_handler(str(type, type_size));
  } catch (...) {
    return SG_ERR_INTERNAL;
  }
}

sg_status cancel(void* self, const char* id, size_t id_size, sg_error* err) {
  return provider::guard(err, [&] {
    std::string i = str(id, id_size);
    if (!sql::is_uuid(i)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
    i = sql::lower(i);
    switch (self_of(self)->store().cancel(i)) {
      case CancelResult::not_found:
        throw Error(SG_ERR_NOT_FOUND, "no job " + i);
      case CancelResult::finished:
        throw Error(SG_ERR_CONFLICT, "job " + i + " already finished");
      case CancelResult::requested:
        self_of(self)->runner().cancel_local(i);
        break;
      case CancelResult::cancelled:
        break;
    }
  });
}

sg_status get(void* self, const char* id, size_t id_size, sg_owned_str* out, sg_error* err) {
  return provider::guard(err, [&] {
    std::string i = str(id, id_size);
    if (!sql::is_uuid(i)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
    auto job = self_of(self)->store().get(sql::lower(i));
    if (!job) throw Error(SG_ERR_NOT_FOUND, "no job " + i);
    if (!provider::give(to_json(*job).dump(), out)) throw Error(SG_ERR_INTERNAL, "out of memory");
  });
}

}  // namespace

void fill_service_table(sg_jobs_service& t, Context* ctx) {
  t.struct_size = sizeof(sg_jobs_service);
  t.self = ctx;
  t.enqueue = &enqueue;
  t.register_handler = &register_handler;
  t.unregister_handler = &unregister_handler;
  t.cancel = &cancel;
  t.get = &get;
}

}  // namespace sg::worker
