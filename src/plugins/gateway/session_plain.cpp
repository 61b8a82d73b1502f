#include "session.hpp"
#include "session_impl.hpp"

namespace sg::gateway {

void start_plain_session(Context& ctx, Worker& worker, tcp::socket socket) {
  start_session<PlainStream>(ctx, worker, std::move(socket));
}

}  // namespace sg::gateway
