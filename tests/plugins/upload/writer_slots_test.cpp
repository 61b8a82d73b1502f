// WriterSlots on a real thread per pool task: never more tasks running than slots, every
// task runs, waiting tasks go in submission order, a throwing task frees its slot, and a
// pool that refuses leaves the slot free.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "writer_slots.hpp"

namespace sg::upload {
namespace {

// A "pool" that starts a thread per task and joins them all at the end.
struct ThreadPerTask {
  std::mutex mu;
  std::vector<std::thread> threads;
  std::atomic<int> started{0};
  void run(WriterSlots::Task t) {
    std::lock_guard lock(mu);
    ++started;
    threads.emplace_back(std::move(t));
  }
  void join() {
    for (;;) {
      std::vector<std::thread> batch;
      {
        std::lock_guard lock(mu);
        batch.swap(threads);
      }
      if (batch.empty()) return;
      for (auto& t : batch) t.join();
    }
  }
};

TEST(WriterSlots, NeverMoreRunningThanSlotsAndEveryTaskRuns) {
  ThreadPerTask pool;
  auto slots =
      std::make_shared<WriterSlots>(3, [&pool](WriterSlots::Task t) { pool.run(std::move(t)); });
  std::atomic<int> running{0}, peak{0}, ran{0};
  std::atomic<bool> go{false};  // every task is submitted before any finishes
  for (int i = 0; i < 40; ++i) {
    slots->submit([&] {
      int now = ++running;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      while (!go) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --running;
      ++ran;
    });
  }
  EXPECT_TRUE(slots->has_waiting());
  // The three slot holders get going (bounded wait), then no fourth may join them.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (running.load() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  go = true;
  pool.join();
  EXPECT_EQ(ran.load(), 40);
  EXPECT_EQ(peak.load(), 3);
  // The 37 that waited ran on the three pool threads already held, not on new ones.
  EXPECT_EQ(pool.started.load(), 3);
  EXPECT_FALSE(slots->has_waiting());
}

TEST(WriterSlots, WaitingTasksRunInSubmissionOrder) {
  ThreadPerTask pool;
  auto slots =
      std::make_shared<WriterSlots>(1, [&pool](WriterSlots::Task t) { pool.run(std::move(t)); });
  std::mutex mu;
  std::vector<int> order;
  std::atomic<bool> release{false};
  slots->submit([&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard lock(mu);
    order.push_back(0);
  });
  for (int i = 1; i <= 5; ++i) {
    slots->submit([&, i] {
      std::lock_guard lock(mu);
      order.push_back(i);
    });
  }
  EXPECT_TRUE(slots->has_waiting());
  release = true;
  pool.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

TEST(WriterSlots, AThrowingTaskFreesItsSlotAndTheQueueGoesOn) {
  ThreadPerTask pool;
  std::atomic<int> escaped{0};
  auto slots = std::make_shared<WriterSlots>(1, [&](WriterSlots::Task t) {
    pool.run([t = std::move(t), &escaped] {
      try {
        t();
      } catch (const std::runtime_error&) {
        ++escaped;  // what the kernel's pool would report
      }
    });
  });
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  slots->submit([&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    throw std::runtime_error("disk on fire");
  });
  slots->submit([&] { ++ran; });
  release = true;
  pool.join();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(escaped.load(), 1);
  // The slot came back: a new task starts at once.
  slots->submit([&] { ++ran; });
  pool.join();
  EXPECT_EQ(ran.load(), 2);
}

TEST(WriterSlots, ARefusingPoolLeavesTheSlotFree) {
  bool refuse = true;
  ThreadPerTask pool;
  auto slots = std::make_shared<WriterSlots>(1, [&](WriterSlots::Task t) {
    if (refuse) throw std::runtime_error("shutting down");
    pool.run(std::move(t));
  });
  int ran = 0;
  EXPECT_THROW(slots->submit([&] { ++ran; }), std::runtime_error);
  refuse = false;
  slots->submit([&] { ++ran; });
  pool.join();
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace sg::upload
