#include "body_pump.hpp"

#include <mutex>
#include <string>

namespace sg::upload {
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

class Pump : public std::enable_shared_from_this<Pump> {
 public:
  Pump(Host host, http::Exchange ex, size_t buffer_bytes, PumpSink sink, PumpDone done)
      : host_(host),
        ex_(std::move(ex)),
        threshold_(buffer_bytes),
        sink_(std::move(sink)),
        done_(std::move(done)) {}

  void start() {
    std::lock_guard lock(mu_);
    read_locked();
  }

 private:
  // Asks the gateway for the next chunk. Caller holds mu_.
  void read_locked() {
    reading_ = true;
    auto self = shared_from_this();
    sg_status st =
        ex_.read_body([self](sg_status s, std::string_view data) { self->on_chunk(s, data); });
    if (st != SG_OK) {
      reading_ = false;
      end_locked(transport_failure(SG_ERR_CANCELLED));
    }
  }

  // Gateway thread: never blocks beyond the mutex and a buffer append.
  void on_chunk(sg_status st, std::string_view data) {
    std::lock_guard lock(mu_);
    reading_ = false;
    if (finished_) return;
    if (st != SG_OK) return end_locked(transport_failure(st));
    if (data.empty()) return end_locked(ok_status());
    filling_.append(data);
    if (filling_.size() < threshold_) return read_locked();
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

  void schedule_write_locked() {
    writing_ = true;
    std::string buf;
    buf.swap(filling_);
    // Two buffers take turns (filling / being written) and are reused, so a long body
    // costs no allocation or page faults per buffer.
    filling_.swap(spare_);
    if (filling_.capacity() < threshold_ + kSlack) filling_.reserve(threshold_ + kSlack);
    auto self = shared_from_this();
    try {
      host_.run_blocking([self, b = std::move(buf)]() mutable { self->write(std::move(b)); });
    } catch (...) {
      // The pool refused (plugin stopping): finish on this thread without writing.
      writing_ = false;
      finished_ = true;
      auto done = std::move(done_);
      done(fail(503, "shutting_down", "the server is shutting down"));
    }
  }

  // Blocking pool: write this buffer, then any buffer that filled meanwhile.
  void write(std::string buf) {
    Status st = buf.empty() ? ok_status() : sink_(buf);
    buf.clear();
    std::unique_lock lock(mu_);
    for (;;) {
      if (!st) {
        ending_ = true;
        end_status_ = st;
        break;
      }
      if (filling_.size() >= threshold_ || (ending_ && !filling_.empty())) {
        buf.swap(filling_);  // filling_ takes the emptied buffer back
        if (!ending_ && !reading_) read_locked();
        lock.unlock();
        st = sink_(buf);
        buf.clear();
        lock.lock();
        continue;
      }
      break;
    }
    if (spare_.capacity() < buf.capacity()) spare_.swap(buf);
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

  Host host_;
  http::Exchange ex_;
  size_t threshold_;
  PumpSink sink_;
  PumpDone done_;
  std::mutex mu_;
  // A buffer may pass the threshold by one gateway chunk before it is handed over.
  static constexpr size_t kSlack = 256 * 1024;
  std::string filling_;
  std::string spare_;
  bool reading_ = false;
  bool writing_ = false;
  bool ending_ = false;
  bool finished_ = false;
  Status end_status_ = ok_status();
};

}  // namespace

void pump_body(Host host, http::Exchange ex, size_t buffer_bytes, PumpSink sink, PumpDone done) {
  auto pump =
      std::make_shared<Pump>(host, std::move(ex), buffer_bytes, std::move(sink), std::move(done));
  pump->start();
}

}  // namespace sg::upload
