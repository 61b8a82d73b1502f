#include "events_route.hpp"

#include <memory>
#include <string>

namespace sg::monitor {
namespace {

// A Last-Event-ID longer than any id this feed makes is not one of ours.
constexpr std::size_t kMaxEventIdSize = 64;

class ExchangeSink final : public StreamSink {
 public:
  explicit ExchangeSink(http::Exchange ex) : ex_(std::move(ex)) {}
  bool write(std::string_view bytes) override { return ex_.stream_write(bytes) == SG_OK; }
  void end() override { ex_.stream_end(); }

 private:
  http::Exchange ex_;
};

void open_stream(EventFeed& feed, std::size_t max_streams, const http::Exchange& ex) {
  const sg_http_identity id = ex.identity();
  if (id.authenticated == 0) {
    ex.respond_error(401, "unauthorized", "sign in to follow the events of your content");
    return;
  }
  const std::string_view scope = ex.query_param("scope").value_or("own");
  if (scope != "own" && scope != "all") {
    ex.respond_error(400, "invalid_query", "scope must be 'own' or 'all'");
    return;
  }
  const bool all = scope == "all";
  if (all && id.is_admin == 0) {
    ex.respond_error(403, "forbidden", "scope=all is for administrators");
    return;
  }
  if (feed.stream_count() >= max_streams) {
    ex.respond(503,
               http::error_body("too_many_streams",
                                "the server follows as many event streams as it allows; retry "
                                "shortly"),
               {{"Content-Type", "application/json"}, {"Retry-After", "30"}});
    return;
  }
  // EventSource sends Last-Event-ID when it reconnects; a page that reloads passes the id
  // it saw last in the query instead (EventSource cannot set headers).
  std::string last(
      ex.header("Last-Event-ID").value_or(ex.query_param("last_event_id").value_or("")));
  if (last.size() > kMaxEventIdSize) last = "unknown";
  if (!ex.has_streams()) {
    ex.respond_error(501, "not_supported", "this gateway cannot stream responses (http < 1.3)");
    return;
  }
  sg_error err{};
  if (ex.respond_stream(
          200,
          {{"Content-Type", "text/event-stream; charset=utf-8"}, {"Cache-Control", "no-store"}},
          &err) != SG_OK)
    return;  // the client left, or the gateway answered 500 itself
  StreamFilter filter{id.address, all};
  if (!feed.attach(std::move(filter), last, std::make_unique<ExchangeSink>(ex)))
    ex.stream_end();  // full after all (a race with other openers), or the client left
}

}  // namespace

void add_event_routes(EventFeed& feed, std::size_t max_streams, http::Router& router) {
  EventFeed* f = &feed;
  router.add(SG_HTTP_GET, "/api/v1/events",
             [f, max_streams](const http::Exchange& ex) { open_stream(*f, max_streams, ex); });
}

}  // namespace sg::monitor
