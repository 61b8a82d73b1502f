// auth.so entry and wiring: config at create() (refuses weak secrets outside dev mode),
// service table registered at create(), core + routes built at start().
#include <streamgate/services/cache.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include "config.hpp"
#include "core.hpp"
#include "routes.hpp"
#include "service.hpp"

namespace sg::auth {

class AuthPlugin final : public sg::Plugin {
 public:
  AuthPlugin(sg::Host host, const nlohmann::json& section) : sg::Plugin(host), service_(host) {
    bool dev_mode = false;
    if (auto v = host.config("server.dev_mode"); v && v->is_boolean()) dev_mode = v->get<bool>();
    try {
      config_ = parse_config(section, dev_mode);
    } catch (const std::invalid_argument& e) {
      throw sg::Error(SG_ERR_INVALID, e.what());
    }
    if (dev_mode && config_.jwt_secret.size() < 32)
      host.warn("plugins.auth.jwt_secret is short or default: acceptable in dev_mode only");
    host.register_service(SG_AUTH_SERVICE, SG_AUTH_MAJOR, SG_AUTH_MINOR, service_.table());
  }

  void start() override {
    cache_ = host().acquire<sg_cache_service>(SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0);
    core_ = std::make_unique<AuthCore>(config_, cache_);
    core_->metrics = AuthMetrics::create(host());
    service_.attach(core_.get());
    http_ = host().acquire<sg_http_service>(SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    if (http_ == nullptr) throw sg::Error(SG_ERR_NOT_FOUND, "http service missing");
    router_.bind(http_);
    add_routes(router_, *core_, host());
    host().info(std::string("auth started: store=") + core_->store().kind() +
                ", chains=" + std::to_string(config_.chains.size()) + ", siwe domains=" +
                (config_.domains.empty() ? std::string("<request Host>")
                                         : std::to_string(config_.domains.size())));
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    if (http_ != nullptr) host().release(SG_HTTP_SERVICE, SG_HTTP_MAJOR);
    http_ = nullptr;
    // The service table stays attached: dependants (gateway, streaming) stop before us.
    if (cache_ != nullptr) host().release(SG_CACHE_SERVICE, SG_CACHE_MAJOR);
  }

  ~AuthPlugin() override { service_.attach(nullptr); }

  nlohmann::json health() override {
    nlohmann::json chains = core_ ? core_->chains().describe() : nlohmann::json::array();
    return {{"healthy", core_ != nullptr},
            {"store", core_ ? core_->store().kind() : "none"},
            {"chains", chains}};
  }

 private:
  AuthConfig config_;
  AuthService service_;
  const sg_cache_service* cache_ = nullptr;
  const sg_http_service* http_ = nullptr;
  std::unique_ptr<AuthCore> core_;
  sg::http::Router router_;
};

}  // namespace sg::auth

SG_PLUGIN(sg::auth::AuthPlugin, "auth", "1.0.0",
          "Sign-In with Ethereum, sessions, playback tokens, NFT gating",
          sg::provides({{SG_AUTH_SERVICE, SG_AUTH_MAJOR, SG_AUTH_MINOR}}),
          // http is required (routes); the gateway acquires auth lazily, so there is no cycle.
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0},
                                 {SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0, 1}}))
