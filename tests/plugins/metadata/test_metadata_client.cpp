// Test plugin "test_metadata_client": calls service metadata v1 the way the upload and
// transcoder plugins do, and publishes pipeline events, over loopback routes:
//   POST /test-metadata/create  {owner, fields}     -> metadata.create_content
//   POST /test-metadata/status  {id, status, reason} -> metadata.update_status
//   POST /test-metadata/fields  {id, patch}          -> metadata.update_fields
//   POST /test-metadata/get     {id}                 -> metadata.get
//   POST /test-metadata/stamp   {id}                 -> metadata.change_stamp (1.2)
//   POST /test-metadata/delete  {id}                 -> metadata.delete_content
//   POST /test-metadata/publish {topic, payload}     -> host publish
// Service errors come back as {"error":{"code": <sg_status number as text>, "message"}}.
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>
#include <streamgate/services/metadata.hpp>

namespace {

using sg::json;

class Client final : public sg::Plugin {
 public:
  Client(sg::Host host, const json&) : sg::Plugin(host) {}

  void start() override {
    md_ = sg::metadata::Client(
        host().acquire<sg_metadata_service>(SG_METADATA_SERVICE, SG_METADATA_MAJOR, 0));
    http_ = host().acquire<sg_http_service>(SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    router_.bind(http_);
    add("create", [this](const json& b) {
      return md_.create(b.value("owner", std::string()), b.value("fields", json::object()));
    });
    add("status", [this](const json& b) {
      md_.update_status(b.value("id", std::string()), b.value("status", std::string()),
                        b.value("reason", std::string()));
      return json::object();
    });
    add("fields", [this](const json& b) {
      return md_.update_fields(b.value("id", std::string()), b.value("patch", json::object()));
    });
    add("stamp", [this](const json& b) {
      return json{{"stamp", md_.change_stamp(b.value("id", std::string()))}};
    });
    add("get", [this](const json& b) {
      auto c = md_.get(b.value("id", std::string()));
      if (!c) throw sg::Error(SG_ERR_NOT_FOUND, "not found");
      return *c;
    });
    add("delete", [this](const json& b) {
      md_.remove(b.value("id", std::string()));
      return json::object();
    });
    add("publish", [this](const json& b) {
      host().publish(b.value("topic", std::string()), b.value("payload", json::object()));
      return json::object();
    });
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    if (http_ != nullptr) host().release(SG_HTTP_SERVICE, SG_HTTP_MAJOR);
    if (md_) host().release(SG_METADATA_SERVICE, SG_METADATA_MAJOR);
  }

 private:
  void add(const std::string& name, std::function<json(const json&)> fn) {
    sg::Host h = host();
    router_.add(
        sg::http::RouteSpec{SG_HTTP_POST, "/test-metadata/" + name, SG_HTTP_BODY_BUFFER, 1 << 20},
        [h, fn](const sg::http::Exchange& ex) {
          json body = ex.json_body();
          h.run_blocking([ex, body, fn] {
            try {
              ex.respond_json(200, fn(body));
            } catch (const sg::Error& e) {
              ex.respond_error(400, std::to_string(static_cast<int>(e.status())), e.what());
            } catch (const std::exception& e) {
              ex.respond_error(500, "internal_error", e.what());
            }
          });
        });
  }

  sg::metadata::Client md_;
  const sg_http_service* http_ = nullptr;
  sg::http::Router router_;
};

}  // namespace

SG_PLUGIN(Client, "test_metadata_client", "1.0.0", "test client of the metadata service",
          sg::provides({}),
          sg::requires_services({{SG_METADATA_SERVICE, SG_METADATA_MAJOR, 0, 0},
                                 {SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0}}))
