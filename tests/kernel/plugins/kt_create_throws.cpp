// Its constructor (create) throws: the plugin.hpp shim must turn it into an error status.
#include <stdexcept>

#include "kt_common.hpp"

namespace {

class CreateThrows final : public sg::Plugin {
 public:
  CreateThrows(sg::Host host, const sg::json&) : sg::Plugin(host) {
    throw std::runtime_error("boom in constructor");
  }
};

}  // namespace

SG_PLUGIN(CreateThrows, "kt_create_throws", "0.1.0", "kernel test: create throws", sg::provides({}),
          sg::requires_services({}))
