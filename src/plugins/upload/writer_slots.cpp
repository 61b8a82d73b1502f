#include "writer_slots.hpp"

#include <exception>
#include <utility>

namespace sg::upload {

WriterSlots::WriterSlots(size_t max_active, std::function<void(Task)> run_on_pool)
    : max_(max_active == 0 ? 1 : max_active), run_on_pool_(std::move(run_on_pool)) {}

void WriterSlots::submit(Task task) {
  {
    std::lock_guard lock(mu_);
    if (active_ >= max_) {
      waiting_.push_back(std::move(task));
      return;
    }
    ++active_;
  }
  try {
    run_on_pool_([self = shared_from_this(), task = std::move(task)]() mutable {
      self->run(std::move(task));
    });
  } catch (...) {
    std::lock_guard lock(mu_);
    --active_;
    throw;
  }
}

bool WriterSlots::has_waiting() {
  std::lock_guard lock(mu_);
  return !waiting_.empty();
}

void WriterSlots::run(Task task) {
  // A task that throws must not cost the slot or strand the queue: the queue goes on and
  // the first exception is rethrown at the end, for the pool to report.
  std::exception_ptr first_error;
  for (;;) {
    try {
      task();
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
    std::lock_guard lock(mu_);
    if (waiting_.empty()) {
      --active_;
      break;
    }
    task = std::move(waiting_.front());
    waiting_.pop_front();
  }
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace sg::upload
