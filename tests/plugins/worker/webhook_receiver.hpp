// A real HTTP receiver for webhook tests on 127.0.0.1 (an ephemeral port): records every
// request and answers from a script of statuses (then a default), or never answers.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wtest {

class WebhookReceiver {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
  };

  WebhookReceiver();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;

  // The next answers, in order; afterwards every request gets `fallback` (200 by default).
  void script(std::vector<int> statuses, int fallback = 200);
  // Read requests but never answer (until destruction).
  void hang();
  // Answer with this status, extra header and body (for redirects and large bodies).
  void answer_with(int status, std::string header_name, std::string header_value, std::string body);

  std::vector<Request> requests() const;
  size_t count() const;
  // True once at least n requests arrived within `limit`.
  bool wait_for(size_t n, std::chrono::milliseconds limit = std::chrono::seconds(20)) const;

 private:
  struct State;
  void accept_loop();
  void serve(int fd);

  std::shared_ptr<State> state_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
};

}  // namespace wtest
