#include "context.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

namespace sg::upload {

std::string owner_of(const sg_http_identity& id) {
  return id.authenticated != 0 ? std::string(id.address) : std::string();
}

bool same_owner(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

http::HttpError upload_error(http::HttpError e) {
  e.with_header("Cache-Control", "no-store");
  return e;
}

http::HttpError tus_error(http::HttpError e) {
  bool precondition = e.status() == 412;
  e.with_header("Cache-Control", "no-store").with_header("Tus-Resumable", "1.0.0");
  if (precondition) e.with_header("Tus-Version", "1.0.0");
  return e;
}

int64_t now_seconds() {
  return static_cast<int64_t>(::time(nullptr));
}

}  // namespace sg::upload
