// Errors as values inside the upload plugin: every fallible domain function returns a
// Result<T> (value or an HTTP-shaped failure) and nothing throws across module edges;
// handlers throw the failure (tus_error/upload_error add the route's headers) or answer it
// with Exchange::respond_error. The failure is the
// SDK's sg::http::HttpError: status, snake_case code, message, and for 413 answers the limit
// in bytes as the JSON field "limit".
#pragma once

#include <string>
#include <utility>

#include <streamgate/result.hpp>
#include <streamgate/services/http.hpp>

namespace sg::upload {

using Failure = http::HttpError;

inline Failure fail(int status, std::string code, const std::string& message,
                    long long limit = -1) {
  Failure f(status, std::move(code), message);
  if (limit >= 0) f.with_field("limit", limit);
  return f;
}

template <typename T>
using Result = sg::Result<T, Failure>;
using Unit = sg::Unit;
using Status = sg::Status<Failure>;
inline Status ok_status() {
  return Unit{};
}

}  // namespace sg::upload
