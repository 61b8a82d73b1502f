#include "access_record.hpp"

#include <chrono>

namespace sg::gateway {

void record_exchange(Context& ctx, const Exchange& ex, bool aborted, std::uint64_t bytes,
                     std::string_view client_remote) {
  RequestRecord r;
  r.route_id = ex.route ? ex.route->id : 0;
  r.route_label = ex.route ? std::string_view(ex.route->pattern) : std::string_view("unmatched");
  r.method = ex.method_name;
  r.path = ex.raw_path;
  r.status = aborted ? 499 : static_cast<int>(ex.response.result_int());
  r.bytes = bytes;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count();
  r.request_id = std::string_view(ex.request_id, ex.request_id_len);
  r.remote = client_remote;
  ctx.observer.request_done(r);
}

}  // namespace sg::gateway
