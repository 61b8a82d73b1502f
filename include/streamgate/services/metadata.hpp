// Header-only C++ layer over services/metadata.h. Methods throw sg::Error (status +
// message naming the field for validation errors) on failure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "../plugin.hpp"
#include "metadata.h"

namespace sg::metadata {

class Client {
 public:
  Client() = default;
  explicit Client(const sg_metadata_service* svc) : svc_(svc) {}
  const sg_metadata_service* service() const noexcept { return svc_; }
  explicit operator bool() const noexcept { return svc_ != nullptr; }

  json create(std::string_view owner, const json& fields) const {
    std::string body = fields.dump();
    sg_owned_str out{};
    sg_error err{};
    check(svc_->create_content(svc_->self, owner.data(), owner.size(), body.data(), body.size(),
                               &out, &err),
          err, "metadata.create_content");
    return json::parse(take_owned(out));
  }
  // std::nullopt when the record does not exist.
  std::optional<json> get(std::string_view id) const {
    sg_owned_str out{};
    sg_error err{};
    sg_status st = svc_->get(svc_->self, id.data(), id.size(), &out, &err);
    if (st == SG_ERR_NOT_FOUND) return std::nullopt;
    check(st, err, "metadata.get");
    return json::parse(take_owned(out));
  }
  void update_status(std::string_view id, std::string_view status,
                     std::string_view reason = {}) const {
    sg_error err{};
    check(svc_->update_status(svc_->self, id.data(), id.size(), status.data(), status.size(),
                              reason.data(), reason.size(), &err),
          err, "metadata.update_status");
  }
  json update_fields(std::string_view id, const json& patch) const {
    std::string body = patch.dump();
    sg_owned_str out{};
    sg_error err{};
    check(
        svc_->update_fields(svc_->self, id.data(), id.size(), body.data(), body.size(), &out, &err),
        err, "metadata.update_fields");
    return json::parse(take_owned(out));
  }
  // metadata 1.2's change stamp of `id` (see metadata.h); 0 from a 1.1 provider, whose
  // callers must then rely on events alone.
  uint64_t change_stamp(std::string_view id) const noexcept {
    if (svc_->struct_size < offsetof(sg_metadata_service, change_stamp) + sizeof(void*) ||
        svc_->change_stamp == nullptr)
      return 0;
    return svc_->change_stamp(svc_->self, id.data(), id.size());
  }
  void remove(std::string_view id) const {
    sg_error err{};
    check(svc_->delete_content(svc_->self, id.data(), id.size(), &err), err,
          "metadata.delete_content");
  }

 private:
  const sg_metadata_service* svc_ = nullptr;
};

}  // namespace sg::metadata
