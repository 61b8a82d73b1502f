// A network thread with its own io_context and the connections it owns. Connections are
// touched only from their worker's thread, so the registry needs no lock.
#pragma once

#include <memory>
#include <thread>
#include <unordered_map>

#include <boost/asio/io_context.hpp>

namespace sg::gateway {

class SessionControl {
 public:
  virtual ~SessionControl() = default;
  virtual void drain() = 0;        // close when idle, else after the current response
  virtual void force_close() = 0;  // close now (in-flight exchanges become cancelled)
};

struct Worker {
  boost::asio::io_context ioc{1};
  std::thread thread;
  std::thread::id thread_id;  // written once before any connection exists
  std::unordered_map<SessionControl*, std::weak_ptr<SessionControl>> sessions;
};

}  // namespace sg::gateway
