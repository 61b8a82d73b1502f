#include "failure.hpp"

namespace sg::transcoder {

const char* Failure::label() const noexcept {
  switch (kind) {
    case Kind::invalid_input:
      return "invalid_input";
    case Kind::limit:
      return "limit";
    case Kind::internal:
      return "internal";
    case Kind::io:
      return "io";
    case Kind::cancelled:
      return "cancelled";
  }
  return "internal";
}

}  // namespace sg::transcoder
