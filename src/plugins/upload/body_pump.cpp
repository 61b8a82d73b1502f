#include "body_pump.hpp"

#include <utility>

namespace sg::upload {

std::unique_ptr<char[]> PumpBuffers::take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      auto b = std::move(free_.back());
      free_.pop_back();
      return b;
    }
  }
  // Not zeroed: every byte is written by the gateway before the sink reads it.
  return std::make_unique_for_overwrite<char[]>(size_);
}

void PumpBuffers::give(std::unique_ptr<char[]> buffer) {
  if (!buffer) return;
  std::lock_guard lock(mu_);
  if (free_.size() < keep_) free_.push_back(std::move(buffer));
}

namespace {

Failure transport_failure(sg_status st) {
  switch (st) {
    case SG_ERR_LIMIT:
      return fail(413, "body_too_large", "request body exceeds the limit");
    case SG_ERR_TIMEOUT:
      return fail(408, "body_timeout", "the client stopped sending the body");
    case SG_ERR_INVALID:
      return fail(400, "bad_body_framing", "malformed request body framing");
    default:
      return fail(499, "client_disconnected", "the client went away during the body");
  }
}

struct Buffer {
  std::unique_ptr<char[]> data;
  size_t size = 0;  // bytes held
};

class Pump : public std::enable_shared_from_this<Pump> {
 public:
  Pump(Host host, http::Exchange ex, std::shared_ptr<PumpBuffers> buffers, PumpSink sink,
       PumpDone done)
      : host_(host),
        ex_(std::move(ex)),
        buffers_(std::move(buffers)),
        cap_(buffers_->size()),
        sink_(std::move(sink)),
        done_(std::move(done)) {
    filling_.data = buffers_->take();
    flushing_.data = buffers_->take();
  }
  Pump(const Pump&) = delete;
  Pump& operator=(const Pump&) = delete;
  // Runs after the last gateway callback: nobody writes into the buffers any more.
  ~Pump() {
    buffers_->give(std::move(filling_.data));
    buffers_->give(std::move(flushing_.data));
  }

  void start() {
    std::lock_guard lock(mu_);
    read_locked();
  }

 private:
  // Asks the gateway for the next chunk, straight into the free end of filling_. Caller
  // holds mu_; filling_ is never full here (a full one is handed to the writer first).
  void read_locked() {
    if (filling_.size >= cap_) return;
    reading_ = true;
    auto self = shared_from_this();
    sg_status st =
        ex_.read_body_into(filling_.data.get() + filling_.size, cap_ - filling_.size,
                           [self](sg_status s, std::string_view data) { self->on_chunk(s, data); });
    if (st != SG_OK) {
      reading_ = false;
      end_locked(transport_failure(SG_ERR_CANCELLED));
    }
  }

  // Gateway thread: the chunk is already in filling_; never blocks beyond the mutex.
  void on_chunk(sg_status st, std::string_view data) {
    std::lock_guard lock(mu_);
    reading_ = false;
    if (finished_) return;
    if (st != SG_OK) return end_locked(transport_failure(st));
    if (data.empty()) return end_locked(ok_status());
    filling_.size += data.size();
    if (filling_.size < cap_) return read_locked();
    if (!writing_) {
      schedule_write_locked();
      return read_locked();
    }
    // Both buffers busy: stop reading; the writer resumes us (back-pressure).
  }

  void end_locked(Status st) {
    if (ending_) return;
    ending_ = true;
    end_status_ = std::move(st);
    if (!writing_) schedule_write_locked();
  }

  // filling_ goes to the writer; the idle (empty) buffer becomes filling_.
  void schedule_write_locked() {
    writing_ = true;
    std::swap(filling_, flushing_);
    auto self = shared_from_this();
    try {
      host_.run_blocking([self] { self->write(); });
    } catch (...) {
      // The pool refused (plugin stopping): finish on this thread without writing.
      flushing_.size = 0;
      writing_ = false;
      finished_ = true;
      auto done = std::move(done_);
      done(fail(503, "shutting_down", "the server is shutting down"));
    }
  }

  // Blocking pool: write flushing_, then any buffer that filled meanwhile. Only the writer
  // touches flushing_ while writing_ is set.
  void write() {
    Status st = flush();
    std::unique_lock lock(mu_);
    for (;;) {
      if (!st) {
        ending_ = true;
        end_status_ = st;
        break;
      }
      if (filling_.size >= cap_ || (ending_ && filling_.size > 0)) {
        // No read is outstanding here: filling_ is full, or the body ended.
        std::swap(filling_, flushing_);
        if (!ending_ && !reading_) read_locked();
        lock.unlock();
        st = flush();
        lock.lock();
        continue;
      }
      break;
    }
    writing_ = false;
    if (ending_) {
      finished_ = true;
      auto done = std::move(done_);
      Status result = end_status_;
      lock.unlock();
      done(result);
      return;
    }
    if (!reading_) read_locked();
  }

  Status flush() {
    Status st = flushing_.size == 0 ? ok_status()
                                    : sink_(std::string_view(flushing_.data.get(), flushing_.size));
    flushing_.size = 0;
    return st;
  }

  Host host_;
  http::Exchange ex_;
  std::shared_ptr<PumpBuffers> buffers_;
  size_t cap_;
  PumpSink sink_;
  PumpDone done_;
  std::mutex mu_;
  Buffer filling_;   // the gateway reads into its free end
  Buffer flushing_;  // being written by the blocking pool, or idle and empty
  bool reading_ = false;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
  Status end_status_ = ok_status();
};

}  // namespace

void pump_body(Host host, http::Exchange ex, std::shared_ptr<PumpBuffers> buffers, PumpSink sink,
               PumpDone done) {
  auto pump = std::make_shared<Pump>(host, std::move(ex), std::move(buffers), std::move(sink),
                                     std::move(done));
  pump->start();
}

}  // namespace sg::upload
