// Test plugin "test_jobs": a real jobs-service client for the process-level worker tests.
//  - handles job type "test.marker": payload {dir, sleep_ms?, fail_attempts?, fail_message?};
//    appends one
//    line (this pid) to <dir>/<job id>.started at every execution, sleeps (cooperatively),
//    fails while attempt <= fail_attempts, then writes <dir>/<job id>.done and succeeds;
//  - POST /test-jobs/enqueue {type?, payload, max_attempts?, owner?, idempotency_key?}
//    enqueues through the service (so tests need no direct database access).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>
#include <streamgate/services/jobs.hpp>

namespace {

using sg::json;

void append_line(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  std::string l = line + "\n";
  (void)!::write(fd, l.data(), l.size());
  ::fsync(fd);  // the test kills the process right after; the line must be on disk
  ::close(fd);
}

class TestJobs final : public sg::Plugin {
 public:
  TestJobs(sg::Host host, const json&) : sg::Plugin(host) {}

  void start() override {
    jobs_ = sg::jobs::Client(host().acquire<sg_jobs_service>(SG_JOBS_SERVICE, SG_JOBS_MAJOR, 0));
    if (!jobs_) throw sg::Error(SG_ERR_NOT_FOUND, "jobs service missing");
    http_ = host().acquire<sg_http_service>(SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0);
    reg_ = jobs_.handle("test.marker", [](const sg::jobs::Job& job) { run(job); });
    router_.bind(http_);
    sg::Host h = host();
    router_.add(sg::http::RouteSpec{SG_HTTP_POST, "/test-jobs/enqueue", SG_HTTP_BODY_BUFFER, 65536},
                [this, h](const sg::http::Exchange& ex) {
                  json body = ex.json_body();
                  h.run_blocking([this, ex, body] {
                    try {
                      sg::jobs::EnqueueOptions o;
                      o.max_attempts = body.value("max_attempts", 0u);
                      o.owner = body.value("owner", std::string());
                      o.idempotency_key = body.value("idempotency_key", std::string());
                      std::string id = jobs_.enqueue(body.value("type", std::string("test.marker")),
                                                     body.value("payload", json::object()), o);
                      ex.respond_json(201, json{{"id", id}});
                    } catch (...) {
                      sg::http::Router::answer_exception(ex, std::current_exception());
                    }
                  });
                });
  }

  void stop(std::chrono::milliseconds) override {
    router_.clear();
    reg_.reset();  // waits for running handlers
    if (http_ != nullptr) host().release(SG_HTTP_SERVICE, SG_HTTP_MAJOR);
    if (jobs_) host().release(SG_JOBS_SERVICE, SG_JOBS_MAJOR);
  }

 private:
  static void run(const sg::jobs::Job& job) {
    json p = job.payload();
    std::string base = p.value("dir", std::string("/tmp")) + "/" + std::string(job.id());
    append_line(base + ".started", std::to_string(::getpid()));
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(p.value("sleep_ms", 0));
    while (std::chrono::steady_clock::now() < until) {
      if (job.cancelled()) return;
      job.progress(50, "sleeping");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (job.attempt() <= p.value("fail_attempts", 0u)) {
      job.fail(
          p.value("fail_message", "planned failure on attempt " + std::to_string(job.attempt())));
      return;
    }
    append_line(base + ".done", std::to_string(::getpid()));
    job.succeed(json{{"pid", ::getpid()}});
  }

  sg::jobs::Client jobs_;
  const sg_http_service* http_ = nullptr;
  sg::jobs::HandlerRegistration reg_;
  sg::http::Router router_;
};

}  // namespace

SG_PLUGIN(TestJobs, "test_jobs", "1.0.0", "test handler for job type test.marker", sg::provides({}),
          sg::requires_services({{SG_JOBS_SERVICE, SG_JOBS_MAJOR, 0, 0},
                                 {SG_HTTP_SERVICE, SG_HTTP_MAJOR, 0, 0}}))
