// hello.so — the smallest useful StreamGate plugin, built against the installed SDK only.
//
// GET /hello/{name} -> {"hello": name, "plugin": "hello", "greeting": "<greeting>, <name>!"}
// Config (plugins.hello in streamgate.yaml):
//   greeting: "Hello"     # any non-empty string
#include <string>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

namespace {

// Reads and validates plugins.hello once, so a typo fails start-up instead of a request.
std::string greeting_from(const sg::json& config) {
  if (!config.contains("greeting")) return "Hello";
  const sg::json& g = config["greeting"];
  if (!g.is_string() || g.get<std::string>().empty())
    throw sg::Error(SG_ERR_INVALID, "plugins.hello.greeting must be a non-empty string");
  return g.get<std::string>();
}

// The oldest http minor that has what this plugin calls: routes, path parameters and JSON
// answers are all http 1.0. Pinning SG_HTTP_MINOR (the header's newest) instead would refuse
// to load into an older gateway for no reason.
constexpr uint32_t kHttpMinor = 0;

class Hello final : public sg::Plugin {
 public:
  Hello(sg::Host host, const sg::json& config)
      : sg::Plugin(host), greeting_(greeting_from(config)) {}

  // Services may be used from start() on: the http service's provider is already started.
  void start() override {
    http_ = sg::ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR,
                                                     kHttpMinor);
    router_.bind(http_.get());
    // The handler runs on a gateway network thread: it must answer quickly and not block.
    router_.add(SG_HTTP_GET, "/hello/{name}", [this](const sg::http::Exchange& ex) {
      const std::string name(ex.path_param("name").value_or(""));
      if (name.empty() || name.size() > 100)
        throw sg::http::HttpError(400, "invalid_name", "name must be 1 to 100 characters");
      ex.respond_json(
          200, {{"hello", name}, {"plugin", "hello"}, {"greeting", greeting_ + ", " + name + "!"}});
    });
    host().info("hello plugin ready on GET /hello/{name}");
  }

  // Routes go first, so no handler runs once the service is released.
  void stop(std::chrono::milliseconds) override {
    router_.clear();
    http_.reset();
  }

 private:
  std::string greeting_;
  sg::ServiceRef<sg_http_service> http_;
  sg::http::Router router_;
};

}  // namespace

SG_PLUGIN(Hello, "hello", "1.0.0", "Example drop-in plugin: GET /hello/{name}", sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, kHttpMinor, 0}}))
