#include "session.hpp"
#include "session_impl.hpp"

namespace sg::gateway {

void start_tls_session(Context& ctx, Worker& worker, tcp::socket socket,
                       boost::asio::ssl::context& tls) {
  start_session<TlsStream>(ctx, worker, std::move(socket), tls);
}

}  // namespace sg::gateway
