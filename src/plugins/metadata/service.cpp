// The C table of service "metadata" v1; exceptions become sg_status + message.
#include <streamgate/plugin.hpp>

#include "service.hpp"
#include "sql/util.hpp"

namespace sg::metadata {
namespace {

Context* self_of(void* s) {
  return static_cast<Context*>(s);
}
std::string str(const char* p, size_t n) {
  return p == nullptr ? std::string() : std::string(p, n);
}

json parse_object(const char* p, size_t n, const char* what) {
  json v = json::parse(str(p, n), nullptr, false);
  if (v.is_discarded() || !v.is_object())
    throw Error(SG_ERR_INVALID, std::string(what) + ": must be a JSON object");
  return v;
}

void give(const Content& c, sg_owned_str* out) {
  if (out != nullptr && !provider::give(to_json(c).dump(), out))
    throw Error(SG_ERR_INTERNAL, "out of memory");
}

sg_status create_content(void* self, const char* owner, size_t owner_size, const char* fields,
                         size_t fields_size, sg_owned_str* out, sg_error* err) {
  return provider::guard(err, [&] {
    json f = fields_size == 0 ? json::object() : parse_object(fields, fields_size, "fields");
    give(self_of(self)->create(str(owner, owner_size), f, Writer::service), out);
  });
}

sg_status get(void* self, const char* id, size_t id_size, sg_owned_str* out, sg_error* err) {
  return provider::guard(err, [&] {
    std::string i = str(id, id_size);
    if (!sql::is_uuid(i)) throw Error(SG_ERR_INVALID, "id: must be a UUID");
    auto c = self_of(self)->store().get(sql::lower(i));
    if (!c) throw Error(SG_ERR_NOT_FOUND, "no content " + i);
    give(*c, out);
  });
}

sg_status update_status(void* self, const char* id, size_t id_size, const char* status,
                        size_t status_size, const char* reason, size_t reason_size, sg_error* err) {
  return provider::guard(err, [&] {
    std::string r = str(reason, reason_size);
    json p = {{"status", str(status, status_size)},
              {"status_reason", r.empty() ? json(nullptr) : json(r)}};
    self_of(self)->patch(str(id, id_size), p, Writer::service, std::nullopt);
  });
}

sg_status update_fields(void* self, const char* id, size_t id_size, const char* patch,
                        size_t patch_size, sg_owned_str* out, sg_error* err) {
  return provider::guard(err, [&] {
    json p = parse_object(patch, patch_size, "patch");
    give(self_of(self)->patch(str(id, id_size), p, Writer::service, std::nullopt), out);
  });
}

sg_status delete_content(void* self, const char* id, size_t id_size, sg_error* err) {
  return provider::guard(err, [&] { self_of(self)->remove(str(id, id_size), std::nullopt); });
}

uint64_t change_stamp(void* self, const char* id, size_t id_size) {
  return self_of(self)->change_stamp(std::string_view(id == nullptr ? "" : id, id_size));
}

}  // namespace

void fill_service_table(sg_metadata_service& t, Context* ctx) {
  t.struct_size = sizeof(sg_metadata_service);
  t.self = ctx;
  t.create_content = &create_content;
  t.get = &get;
  t.update_status = &update_status;
  t.update_fields = &update_fields;
  t.delete_content = &delete_content;
  t.change_stamp = &change_stamp;
}

}  // namespace sg::metadata
