#include "tls_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace gwtest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

TlsResult https_get(uint16_t port, const std::string& ca_file, const std::string& target, int count,
                    sgtest::Headers headers) {
  TlsResult result;
  try {
    asio::io_context ioc;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(ca_file);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.handshake(asio::ssl::stream_base::client);
    beast::flat_buffer buffer;
    for (int i = 0; i < count; ++i) {
      http::request<http::empty_body> req(http::verb::get, target, 11);
      req.set(http::field::host, "127.0.0.1");
      for (const auto& [k, v] : headers) req.set(k, v);
      req.keep_alive(i + 1 < count);
      http::write(stream, req);
      http::response_parser<http::string_body> parser;
      parser.body_limit(1ull << 30);
      http::read(stream, buffer, parser);
      sgtest::HttpResponse r;
      r.status = static_cast<int>(parser.get().result_int());
      for (const auto& f : parser.get())
        r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      r.body = parser.get().body();
      result.responses.push_back(std::move(r));
    }
    result.ok = true;
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

}  // namespace gwtest
