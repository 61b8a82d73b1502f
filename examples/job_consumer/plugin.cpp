// job_consumer.so: a drop-in plugin that CONSUMES services, built against the installed SDK
// only: `auth` v1 and `jobs` v1 from the SDK, and `greeting` v1 from another drop-in
// plugin (examples/greeting_service), all through sg::ServiceRef.
//
//   POST /job-consumer/greetings {"name":"Ada"}  (signed in)
//     -> 202 {"job_id":"..."}: a job of type job_consumer.greet, owned by the caller. Its
//        handler (this plugin, on a worker thread) asks the greeting service and succeeds
//        with {"greeting":"Hello, Ada!"}; GET /api/v1/jobs/{id} shows it to the caller.
//   POST /job-consumer/identify {"token":"..."}
//     -> 200 {"address":"0x...","admin":false} for a session token the auth service
//        accepts, 401 invalid_token otherwise (for tokens that arrive in a body, e.g. a
//        WebSocket's first message, rather than in the Authorization header).
#include <cstring>
#include <string>

#include <greeting/greeting.h>
#include <streamgate/services/auth.h>
#include <streamgate/plugin.hpp>
#include <streamgate/services/http.hpp>
#include <streamgate/services/jobs.hpp>

namespace {

// The oldest minor of each service that has what this plugin calls (see hello_plugin).
constexpr uint32_t kHttpMinor = 0;
constexpr uint32_t kAuthMinor = 0;
constexpr uint32_t kJobsMinor = 0;
constexpr uint32_t kGreetingMinor = 0;

constexpr const char* kJobType = "job_consumer.greet";

using sg::http::Exchange;
using sg::http::HttpError;

class JobConsumer final : public sg::Plugin {
 public:
  // create(): nothing to validate and nothing provided; services are acquired in start().
  JobConsumer(sg::Host host, const sg::json&) : sg::Plugin(host) {}

  void start() override {
    http_ = sg::ServiceRef<sg_http_service>::require(host(), SG_HTTP_SERVICE, SG_HTTP_MAJOR,
                                                     kHttpMinor);
    auth_ = sg::ServiceRef<sg_auth_service>::require(host(), SG_AUTH_SERVICE, SG_AUTH_MAJOR,
                                                     kAuthMinor);
    jobs_service_ = sg::ServiceRef<sg_jobs_service>::require(host(), SG_JOBS_SERVICE, SG_JOBS_MAJOR,
                                                             kJobsMinor);
    greeting_ = sg::ServiceRef<greeting_service>::require(host(), GREETING_SERVICE, GREETING_MAJOR,
                                                          kGreetingMinor);
    jobs_ = sg::jobs::Client(jobs_service_.get());
    // The handler runs on one of the worker's threads; it may block.
    handler_ = jobs_.handle(kJobType, [this](const sg::jobs::Job& job) { run(job); });

    router_.bind(http_.get());
    router_.add(
        sg::http::RouteSpec{SG_HTTP_POST, "/job-consumer/greetings", SG_HTTP_BODY_BUFFER, 4096},
        [this](const Exchange& ex) { enqueue(ex); });
    router_.add(
        sg::http::RouteSpec{SG_HTTP_POST, "/job-consumer/identify", SG_HTTP_BODY_BUFFER, 8192},
        [this](const Exchange& ex) { identify(ex); });
    host().info("job_consumer ready: POST /job-consumer/greetings, POST /job-consumer/identify");
  }

  // Reverse order of start(): no new request and no job runs once the services are
  // released. (An enqueue already on the blocking pool may still finish: the kernel waits
  // for this plugin's pool tasks after stop(), and the worker stops after its consumers.)
  void stop(std::chrono::milliseconds) override {
    router_.clear();
    handler_.reset();  // waits for running calls of the handler
    greeting_.reset();
    jobs_service_.reset();
    auth_.reset();
    http_.reset();
  }

 private:
  // Network thread: check the caller and the body, then enqueue on the blocking pool (the
  // jobs service writes to the database).
  void enqueue(const Exchange& ex) {
    sg_http_identity who = ex.identity();  // resolved by the gateway through the auth service
    if (who.authenticated == 0) throw HttpError(401, "unauthorized", "sign in first");
    sg::json body = ex.json_body();
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string())
      throw HttpError(400, "invalid_request", "name: a string is required");
    std::string name = body["name"].get<std::string>();
    if (name.empty() || name.size() > GREETING_NAME_MAX)
      throw HttpError(400, "invalid_request", "name: 1 to 100 bytes");
    sg::jobs::EnqueueOptions opts;
    opts.owner = who.address;  // lets the caller read the job over /api/v1/jobs/{id}
    opts.max_attempts = 1;
    sg::http::answer_later(host(), ex, [this, name, opts](const Exchange& later) {
      std::string id = jobs_.enqueue(kJobType, {{"name", name}}, opts);
      later.respond_json(202, {{"job_id", id}});
    });
  }

  // Network thread: auth's identify() is pure CPU (plus a cache lookup), allowed here.
  void identify(const Exchange& ex) {
    sg::json body = ex.json_body();
    if (!body.is_object() || !body.contains("token") || !body["token"].is_string())
      throw HttpError(400, "invalid_request", "token: a string is required");
    std::string token = body["token"].get<std::string>();
    sg_http_identity who{};
    sg_error err{};
    sg_status st = auth_->identify(auth_->self, token.data(), token.size(), &who, &err);
    if (st == SG_ERR_UNAVAILABLE)
      throw HttpError(503, "service_unavailable", "sessions cannot be checked right now");
    if (st != SG_OK || who.authenticated == 0)
      throw HttpError(401, "invalid_token", "the token is not a valid session");
    ex.respond_json(200, {{"address", std::string(who.address)}, {"admin", who.is_admin != 0}});
  }

  // Worker thread: one job. A thrown exception fails the job (jobs.hpp's shim).
  void run(const sg::jobs::Job& job) {
    std::string name = job.payload().at("name").get<std::string>();
    sg_owned_str out{};
    sg_error err{};
    sg::check(greeting_->greet(greeting_->self, name.data(), name.size(), &out, &err), err,
              "greeting.greet");
    job.succeed({{"greeting", sg::take_owned(out)}});
  }

  sg::ServiceRef<sg_http_service> http_;
  sg::ServiceRef<sg_auth_service> auth_;
  sg::ServiceRef<sg_jobs_service> jobs_service_;
  sg::ServiceRef<greeting_service> greeting_;
  sg::jobs::Client jobs_;
  sg::jobs::HandlerRegistration handler_;
  sg::http::Router router_;
};

}  // namespace

SG_PLUGIN(JobConsumer, "job_consumer", "1.0.0",
          "Example drop-in plugin consuming auth, jobs and the greeting service", sg::provides({}),
          sg::requires_services({{SG_HTTP_SERVICE, SG_HTTP_MAJOR, kHttpMinor, 0},
                                 {SG_AUTH_SERVICE, SG_AUTH_MAJOR, kAuthMinor, 0},
                                 {SG_JOBS_SERVICE, SG_JOBS_MAJOR, kJobsMinor, 0},
                                 {GREETING_SERVICE, GREETING_MAJOR, kGreetingMinor, 0}}))
