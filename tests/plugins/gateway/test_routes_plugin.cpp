// test_routes.so: routes that exercise every corner of the http v1 service for the
// gateway tests (answers now and later, streamed and buffered bodies, files, identities,
// cancellation). Config: plugins.test_routes.files_dir = folder served by /t/file/{name}.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <streamgate/services/http.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>

namespace {

using sg::http::Exchange;

// Counts a streamed body without keeping it: memory stays flat whatever the size.
struct StreamState {
  Exchange ex;
  std::uint64_t bytes = 0;
  std::uint64_t sum = 0;
  std::uint64_t chunks = 0;
  std::uint64_t max_chunk = 0;
  std::unique_ptr<char[]> buf;  // read_body_into target (/t/stream-into)
  std::size_t cap = 0;
};

void count(StreamState& st, std::string_view data) {
  st.bytes += data.size();
  st.chunks += 1;
  st.max_chunk = std::max<std::uint64_t>(st.max_chunk, data.size());
  for (unsigned char c : data) st.sum += c;
}

nlohmann::json totals(const StreamState& st) {
  return {{"bytes", st.bytes}, {"sum", st.sum}, {"chunks", st.chunks}, {"max_chunk", st.max_chunk}};
}

void pump(std::shared_ptr<StreamState> st) {
  sg_status rs = st->ex.read_body([st](sg_status status, std::string_view data) {
    if (status != SG_OK) return;  // the gateway already answered (413) or the client left
    if (data.empty()) {
      st->ex.respond_json(200, totals(*st));
      return;
    }
    count(*st, data);
    pump(st);
  });
  if (rs != SG_OK) st->ex.respond_error(500, "read_failed", "body_read refused");
}

// The same through body_read_into (http 1.1): every chunk must land in st->buf, within cap.
void pump_into(std::shared_ptr<StreamState> st) {
  sg_status rs =
      st->ex.read_body_into(st->buf.get(), st->cap, [st](sg_status status, std::string_view data) {
        if (status != SG_OK) return;
        if (data.empty()) {
          st->ex.respond_json(200, totals(*st));
          return;
        }
        if (data.data() != st->buf.get() || data.size() > st->cap) {
          st->ex.respond_error(500, "outside_buffer", "chunk not delivered into the buffer");
          return;
        }
        count(*st, data);
        pump_into(st);
      });
  if (rs != SG_OK) st->ex.respond_error(500, "read_failed", "body_read_into refused");
}

class TestRoutes final : public sg::Plugin {
 public:
  TestRoutes(sg::Host host, const sg::json& config) : sg::Plugin(host) {
    files_dir_ = config.value("files_dir", std::string());
  }

  void start() override {
    http_ = host().acquire<sg_http_service>(SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    if (http_ == nullptr) throw sg::Error(SG_ERR_NOT_FOUND, "http service missing");
    router_.bind(http_);
    const sg::Host h = host();

    router_.add(SG_HTTP_GET, "/t/hello", [](const Exchange& ex) {
      ex.respond(200, "hello", {{"Content-Type", "text/plain"}});
    });
    router_.add(SG_HTTP_GET, "/t/params/{id}/{rest*}", [](const Exchange& ex) {
      ex.respond_json(200, {{"id", *ex.path_param("id")},
                            {"rest", *ex.path_param("rest")},
                            {"x", ex.query_param("x").value_or("<none>")},
                            {"path", ex.path()},
                            {"target", ex.target()},
                            {"query", ex.query()},
                            {"request_id", ex.request_id()},
                            {"remote", ex.remote_address()},
                            {"echo", ex.header("x-echo").value_or("")}});
    });
    router_.add(SG_HTTP_GET | SG_HTTP_DELETE, "/t/methods", [](const Exchange& ex) {
      ex.respond(200, ex.method() == SG_HTTP_DELETE ? "deleted" : "got");
    });
    router_.add({SG_HTTP_POST, "/t/echo", SG_HTTP_BODY_BUFFER, 1024}, [](const Exchange& ex) {
      ex.respond(200, ex.body(), {{"Content-Type", "application/octet-stream"}});
    });
    auto stream = [](const Exchange& ex) {
      auto st = std::make_shared<StreamState>();
      st->ex = ex;
      if (ex.header("x-refuse")) {
        ex.respond_error(403, "refused", "refused before reading the body");
        return;
      }
      pump(st);
    };
    router_.add({SG_HTTP_PUT | SG_HTTP_POST, "/t/stream", SG_HTTP_BODY_STREAM, 4ull << 30}, stream);
    router_.add({SG_HTTP_PUT, "/t/stream-small", SG_HTTP_BODY_STREAM, 1 << 20}, stream);
    // A body callback that throws: the SDK answers the error instead of leaving it hanging.
    router_.add({SG_HTTP_PUT, "/t/stream-throws", SG_HTTP_BODY_STREAM, 1 << 20},
                [](const Exchange& ex) {
                  ex.read_body([ex](sg_status, std::string_view) {  // keeps the exchange
                    throw sg::http::HttpError(422, "bad_chunk", "the body callback threw");
                  });
                });
    // ?cap=N: the caller's buffer size (default 1000 bytes).
    router_.add({SG_HTTP_PUT | SG_HTTP_POST, "/t/stream-into", SG_HTTP_BODY_STREAM, 4ull << 30},
                [](const Exchange& ex) {
                  auto st = std::make_shared<StreamState>();
                  st->ex = ex;
                  st->cap = std::stoul(std::string(ex.query_param("cap").value_or("1000")));
                  st->buf = std::make_unique<char[]>(st->cap);
                  pump_into(st);
                });

    router_.add(SG_HTTP_GET, "/t/later", [this, h](const Exchange& ex) {
      Exchange keep = ex;
      h.run_blocking([this, keep] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        keep.respond(200, "later");
        second_respond_.store(static_cast<int>(keep.respond(200, "twice")));
      });
    });
    router_.add(SG_HTTP_GET, "/t/sleep/{ms}", [h](const Exchange& ex) {
      int ms = std::stoi(std::string(*ex.path_param("ms")));
      Exchange keep = ex;
      h.run_blocking([keep, ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        keep.respond(200, "slept");
      });
    });
    router_.add(SG_HTTP_GET, "/t/hold", [this, h](const Exchange& ex) {
      hold_result_.store(-1);
      Exchange keep = ex;
      h.run_blocking([this, keep] {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!keep.cancelled() && std::chrono::steady_clock::now() < until)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        bool seen = keep.cancelled();
        sg_status st = keep.respond(200, "too late");
        hold_result_.store(seen ? static_cast<int>(st) : 1000 + static_cast<int>(st));
      });
    });
    router_.add(SG_HTTP_GET, "/t/hold-result", [this](const Exchange& ex) {
      ex.respond_json(200, {{"result", hold_result_.load()},
                            {"second", second_respond_.load()},
                            {"stream", stream_result_.load()}});
    });
    // A streamed answer: `count` pieces `interval_ms` apart, then the end; mode=hold writes
    // a piece every 50 ms until a write fails (the client left, or shutdown), mode=flood
    // writes 64 KiB pieces until the queue overflows. The failing status goes to
    // /t/hold-result's "stream".
    router_.add(SG_HTTP_GET, "/t/events", [this, h](const Exchange& ex) {
      stream_result_.store(-1);
      const int count = std::stoi(std::string(ex.query_param("count").value_or("3")));
      const int interval = std::stoi(std::string(ex.query_param("interval_ms").value_or("20")));
      const std::string mode(ex.query_param("mode").value_or("count"));
      if (ex.respond_stream(200, {{"Content-Type", "text/event-stream"}}) != SG_OK) return;
      if (mode == "park") {
        // One piece, then the stream is left open and parked until the plugin is destroyed:
        // only the gateway's shutdown drain can end it.
        ex.stream_write(": parked\n\n");
        std::lock_guard lock(parked_mu_);
        parked_.push_back(ex);
        return;
      }
      Exchange keep = ex;
      h.run_blocking([this, keep, count, interval, mode] {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        if (mode == "count") {
          for (int i = 0; i < count; ++i) {
            if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval));
            keep.stream_write("data: piece " + std::to_string(i) + "\n\n");
          }
          stream_result_.store(static_cast<int>(keep.stream_end()));
          return;
        }
        const std::string big(64 * 1024, 'x');
        sg_status st = SG_OK;
        while (st == SG_OK && std::chrono::steady_clock::now() < until) {
          if (stopping_.load()) {
            // As a real plugin does in stop(): end its streams (the gateway sends the end).
            st = keep.stream_end();
            break;
          }
          st = keep.stream_write(mode == "flood" ? std::string_view(big) : ": tick\n\n");
          if (mode != "flood") std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        stream_result_.store(static_cast<int>(st));
      });
    });
    router_.add(SG_HTTP_GET, "/t/file/{name}", [this](const Exchange& ex) {
      std::string path = files_dir_ + "/" + std::string(*ex.path_param("name"));
      sg_http_file f{};
      f.struct_size = sizeof f;
      f.path = path.data();
      f.path_size = path.size();
      f.fd = -1;
      f.length = UINT64_MAX;
      sg_http_header cache{"Cache-Control", 13, "max-age=60", 10};
      f.headers = &cache;
      f.header_count = 1;
      sg_error err{};
      if (ex.respond_file(200, f, &err) == SG_ERR_NOT_FOUND)
        ex.respond_error(404, "not_found", "no such test file");
    });
    router_.add(SG_HTTP_GET, "/t/identity", [](const Exchange& ex) {
      sg_http_identity id = ex.identity();
      ex.respond_json(200, {{"authenticated", id.authenticated != 0},
                            {"address", std::string(id.address)},
                            {"chain_id", id.chain_id},
                            {"is_admin", id.is_admin != 0}});
    });

    // Raw C routes: contract violations the gateway must turn into 500s.
    add_raw("/t/noanswer", &TestRoutes::no_answer);
    add_raw("/t/drop", &TestRoutes::drop_later);
  }

  void stop(std::chrono::milliseconds) override {
    stopping_.store(true);
    router_.clear();
    for (auto id : raw_ids_) http_->route_remove(http_->self, id);
    raw_ids_.clear();
    if (http_ != nullptr) host().release(SG_HTTP_SERVICE, SG_HTTP_MAJOR);
    http_ = nullptr;
  }

 private:
  void add_raw(const char* pattern, sg_http_handler_fn fn) {
    sg_http_route r{};
    r.struct_size = sizeof r;
    r.methods = SG_HTTP_GET;
    r.pattern = pattern;
    r.pattern_size = std::strlen(pattern);
    r.body_mode = SG_HTTP_BODY_NONE;
    r.handler = fn;
    r.user = this;
    uint64_t id = 0;
    sg_error err{};
    sg::check(http_->route_add(http_->self, &r, &id, &err), err, pattern);
    raw_ids_.push_back(id);
  }

  static sg_http_handler_result no_answer(void*, sg_http_exchange*) { return SG_HTTP_ANSWERED; }

  // Keeps a reference, then drops it from another thread without answering.
  static sg_http_handler_result drop_later(void* user, sg_http_exchange* ex) {
    auto* self = static_cast<TestRoutes*>(user);
    self->http_->exchange_ref(ex);
    const sg_http_service* http = self->http_;
    self->host().run_blocking([http, ex] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      http->exchange_unref(ex);
    });
    return SG_HTTP_LATER;
  }

  const sg_http_service* http_ = nullptr;
  sg::http::Router router_;
  std::atomic<int> stream_result_{-1};
  std::atomic<bool> stopping_{false};
  std::mutex parked_mu_;
  std::vector<Exchange> parked_;
  std::vector<uint64_t> raw_ids_;
  std::string files_dir_;
  std::atomic<int> hold_result_{-1};
  std::atomic<int> second_respond_{-1};
};

}  // namespace

SG_PLUGIN(TestRoutes, "test_routes", "1.0.0", "gateway test routes", sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0}}))
