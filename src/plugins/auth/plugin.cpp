// auth.so entry and wiring: config at create() (refuses weak secrets outside dev mode),
// service table registered at create(); at start() the dev-mode key (if needed), the SIWE
// domains, the security store (SQL), context and routes.
#include <streamgate/services/cache.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

#include <cstddef>
#include <filesystem>

#include "config.hpp"
#include "context.hpp"
#include "routes.hpp"
#include "secret_file.hpp"
#include "service.hpp"
#include "siwe_domains.hpp"
#include "sql/config.hpp"
#include "sql/database.hpp"
#include "sql_security_store.hpp"

namespace sg::auth {

class AuthPlugin final : public sg::Plugin {
 public:
  AuthPlugin(sg::Host host, const nlohmann::json& section) : sg::Plugin(host), service_(host) {
    // A missing server.dev_mode is false (the kernel fills it in; this is belt and braces).
    if (auto v = host.config("server.dev_mode"); v && v->is_boolean()) dev_mode_ = v->get<bool>();
    try {
      config_ = parse_config(section, dev_mode_);
    } catch (const std::invalid_argument& e) {
      throw sg::Error(SG_ERR_INVALID, e.what());
    }
    if (dev_mode_ && !config_.jwt_secret.empty() && config_.jwt_secret.size() < kMinSecretBytes)
      host.warn("plugins.auth.jwt_secret is shorter than 32 bytes: acceptable in dev_mode only");
    host.register_service(SG_AUTH_SERVICE, SG_AUTH_MAJOR, SG_AUTH_MINOR, service_.table());
  }

  void start() override {
    if (config_.jwt_secret.empty()) use_generated_secret();
    http_ = sg::ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    if (config_.domains.empty()) derive_domains();
    host().info("auth: SIWE domains accepted: " + join(config_.domains));

    auto db_section = host().config("database");
    db_ = sql::Database::open(
        sql::Config::from_json(db_section ? *db_section : nlohmann::json::object()));
    auto security = std::make_unique<SqlSecurityStore>(
        *db_, config_.max_nonces, std::chrono::milliseconds(config_.revocation_max_staleness_ms),
        system_now);
    security_ = security.get();
    security_->start_refresher(
        std::chrono::milliseconds(config_.revocation_refresh_ms),
        [h = host()](bool warning, const std::string& m) { warning ? h.warn(m) : h.info(m); });

    cache_ =
        sg::ServiceRef<sg_cache_service>::optional(host(), SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0);
    ctx_ = std::make_unique<Context>(config_, cache_.get(), system_now, std::move(security));
    ctx_->metrics = AuthMetrics::create(host());
    service_.attach(ctx_.get());
    router_.bind(http_.get());
    add_routes(*ctx_, router_, host());
    host().info(std::string("auth started: security store=") + ctx_->security().kind() + " (" +
                db_->describe() + "), gate cache=" + ctx_->store().kind() +
                ", chains=" + std::to_string(config_.chains.size()));
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    if (security_ != nullptr) security_->stop_refresher();
    http_.reset();
    // The service table stays attached: dependants (gateway, streaming) stop before us.
    cache_.reset();
  }

  ~AuthPlugin() override { service_.attach(nullptr); }

  nlohmann::json health() override {
    nlohmann::json chains = ctx_ ? ctx_->chains().describe() : nlohmann::json::array();
    return {{"healthy", ctx_ != nullptr && db_ != nullptr && db_->healthy()},
            {"security_store", ctx_ ? ctx_->security().kind() : "none"},
            {"store", ctx_ ? ctx_->store().kind() : "none"},
            {"chains", chains}};
  }

 private:
  // Dev mode without a configured key: a random one kept under server.data_dir, so sessions
  // survive restarts. Never a key built into the (public) source.
  void use_generated_secret() {
    auto dir = host().config("server.data_dir");
    if (!dir || !dir->is_string() || dir->get<std::string>().empty())
      throw sg::Error(SG_ERR_INVALID,
                      "plugins.auth.jwt_secret is not set and server.data_dir is unknown");
    std::filesystem::path file =
        std::filesystem::path(dir->get<std::string>()) / "secrets" / "jwt_secret";
    try {
      StoredSecret key = load_or_create_secret(file);
      set_jwt_secret(config_, std::move(key.value));
      if (key.created)
        host().warn("plugins.auth.jwt_secret is not set: generated a random session key in " +
                    file.string() + " (dev_mode only; set STREAMGATE_JWT_SECRET in production)");
      else
        host().info("plugins.auth.jwt_secret is not set: using the generated session key in " +
                    file.string() + " (dev_mode only)");
    } catch (const std::exception& e) {
      throw sg::Error(SG_ERR_INVALID, std::string("plugins.auth.jwt_secret: ") + e.what());
    }
  }

  // plugins.auth.domains empty: the names this server is configured to be reached by.
  void derive_domains() {
    std::string listen_host = "127.0.0.1";
    uint16_t port = 8080;
    if (http_->struct_size >= offsetof(sg_http_service, listen_address) + sizeof(void*) &&
        http_->listen_address != nullptr) {
      const char* h = nullptr;
      size_t n = 0;
      http_->listen_address(http_->self, &h, &n, &port, nullptr);
      listen_host.assign(h == nullptr ? "" : h, n);
    } else if (config_.public_base_url.empty()) {
      throw sg::Error(SG_ERR_INVALID,
                      "plugins.auth.domains is empty and the http service cannot tell its "
                      "address: set plugins.auth.domains or plugins.auth.public_base_url");
    }
    DerivedDomains d = derive_siwe_domains(config_.public_base_url, listen_host, port);
    config_.domains = d.domains;
    if (!d.note.empty()) host().warn("auth: " + d.note);
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "<none>" : out;
  }

  bool dev_mode_ = false;
  AuthConfig config_;
  std::unique_ptr<sql::Database> db_;     // outlives ctx_ (its security store uses it)
  SqlSecurityStore* security_ = nullptr;  // owned by ctx_
  AuthService service_;
  sg::ServiceRef<sg_cache_service> cache_;  // optional: gate answers cached in this process
  sg::ServiceRef<sg_http_service> http_;
  std::unique_ptr<Context> ctx_;
  sg::http::Router router_;
};

}  // namespace sg::auth

SG_PLUGIN(sg::auth::AuthPlugin, "auth", "1.0.0",
          "Sign-In with Ethereum, sessions, playback tokens, NFT gating",
          sg::provides({{SG_AUTH_SERVICE, SG_AUTH_MAJOR, SG_AUTH_MINOR}}),
          // http is required (routes); the gateway acquires auth lazily, so there is no cycle.
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0},
                                 {SG_CACHE_SERVICE, SG_CACHE_MAJOR, 0, 1}}))
