// Connection handling. The implementation is one template (session_impl.hpp) compiled for
// plain TCP (session_plain.cpp) and TLS (session_tls.cpp).
#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "context.hpp"
#include "worker.hpp"

namespace sg::gateway {

// Both run on the worker's thread: they register the connection and start reading.
void start_plain_session(Context& ctx, Worker& worker, boost::asio::ip::tcp::socket socket);
void start_tls_session(Context& ctx, Worker& worker, boost::asio::ip::tcp::socket socket,
                       boost::asio::ssl::context& tls);

}  // namespace sg::gateway
