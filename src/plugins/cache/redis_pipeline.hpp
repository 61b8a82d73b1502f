// Automatic pipelining for non-blocking callers: commands submitted from any thread queue up,
// and one thread sends everything queued as ONE batch (one write, replies read in order) on
// a single connection. Under load the batch grows with the number of concurrent callers, so
// both this process and redis-server pay one syscall pair per batch instead of per command.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct redisReply;

namespace sg::cache {

struct PipelinedCommand {
  std::vector<std::string> args;
  // Runs on the pipeline thread (or inside submit() when refused); must not throw.
  // `reply` is the command's reply (nullptr when the batch failed; `failure` then says why).
  std::function<void(const redisReply* reply, const std::string& failure)> done;
};

class RedisPipeline {
 public:
  // Sends one batch and completes every command in it (all of them, whatever happens).
  using BatchRunner = std::function<void(std::vector<PipelinedCommand>& batch)>;

  RedisPipeline(BatchRunner runner, size_t max_batch);
  ~RedisPipeline();
  RedisPipeline(const RedisPipeline&) = delete;
  RedisPipeline& operator=(const RedisPipeline&) = delete;

  // Queues a command. After stop() it is refused: `done` runs here with a failure.
  void submit(PipelinedCommand command);
  // Refuses new commands, completes the queued ones through the runner, joins the thread.
  void stop();

 private:
  void loop();

  BatchRunner runner_;
  const size_t max_batch_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PipelinedCommand> queue_;
  bool idle_ = false;  // the thread waits on cv_: only then does submit() pay for a wake-up
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sg::cache
