// HTTP methods as the SG_HTTP_* bits of the http service, and the Allow header they make.
#pragma once

#include <cstdint>
#include <ostream>  // boost/core string_view (through verb.hpp) needs it
#include <string>

#include <boost/beast/http/verb.hpp>

namespace sg::gateway {

// The SG_HTTP_* bit of a method, 0 for one the service does not know.
std::uint32_t method_bit(boost::beast::http::verb v);

// "GET, HEAD, ..." for a method mask (OPTIONS added when CORS is enabled).
std::string allow_header(std::uint32_t mask, bool cors);

}  // namespace sg::gateway
