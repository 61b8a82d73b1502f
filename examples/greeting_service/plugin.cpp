// greeting_service.so: a drop-in plugin that PROVIDES a service, built against the installed
// SDK only. It registers `greeting` v1 (include/greeting/greeting.h) in create(); consumers
// such as examples/job_consumer require it and call it through the C table.
//
// Config (plugins.greeting_service in streamgate.yaml):
//   greeting: "Hello"     # any non-empty string
#include <atomic>
#include <string>

#include <greeting/greeting.h>
#include <streamgate/plugin.hpp>

namespace {

std::string greeting_from(const sg::json& config) {
  if (!config.contains("greeting")) return "Hello";
  const sg::json& g = config["greeting"];
  if (!g.is_string() || g.get<std::string>().empty())
    throw sg::Error(SG_ERR_INVALID, "plugins.greeting_service.greeting must be a non-empty string");
  return g.get<std::string>();
}

class GreetingService final : public sg::Plugin {
 public:
  // create(): validate the config, then register what this plugin provides. The table must
  // stay valid until destroy(), so it is a member.
  GreetingService(sg::Host host, const sg::json& config)
      : sg::Plugin(host), greeting_(greeting_from(config)) {
    table_.struct_size = sizeof(table_);
    table_.self = this;
    table_.greet = &GreetingService::greet_shim;
    table_.count = &GreetingService::count_shim;
    host.register_service(GREETING_SERVICE, GREETING_MAJOR, GREETING_MINOR, &table_);
  }

  sg::json health() override { return {{"healthy", true}, {"greetings", count_.load()}}; }

 private:
  // The C++ implementation: may throw sg::Error; the shim turns that into status + message.
  std::string greet(std::string_view name) {
    if (name.empty() || name.size() > GREETING_NAME_MAX)
      throw sg::Error(SG_ERR_INVALID,
                      "name must be 1 to " + std::to_string(GREETING_NAME_MAX) + " bytes");
    count_.fetch_add(1, std::memory_order_relaxed);
    return greeting_ + ", " + std::string(name) + "!";
  }

  // The C entry points. sg::provider::guard catches everything (an exception must never
  // cross the C boundary) and fills *err; give() hands the caller a string it releases;
  // fail() reports an error without throwing.
  static sg_status greet_shim(void* self, const char* name, size_t name_size, sg_owned_str* out,
                              sg_error* err) noexcept {
    if (out == nullptr || (name == nullptr && name_size != 0)) {
      sg::provider::fail(err, SG_ERR_INVALID, "greet: name and out are required");
      return SG_ERR_INVALID;
    }
    return sg::provider::guard(err, [&] {
      std::string text = static_cast<GreetingService*>(self)->greet({name, name_size});
      if (!sg::provider::give(text, out)) throw sg::Error(SG_ERR_INTERNAL, "out of memory");
    });
  }
  static uint64_t count_shim(void* self) noexcept {
    return static_cast<GreetingService*>(self)->count_.load(std::memory_order_relaxed);
  }

  std::string greeting_;
  std::atomic<uint64_t> count_{0};
  greeting_service table_{};
};

}  // namespace

SG_PLUGIN(GreetingService, "greeting_service", "1.0.0",
          "Example drop-in plugin providing the greeting v1 service",
          sg::provides({{GREETING_SERVICE, GREETING_MAJOR, GREETING_MINOR}}),
          sg::requires_services({}))
