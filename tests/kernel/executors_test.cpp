// Blocking pool and timers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "blocking_pool.hpp"
#include "timers.hpp"

using namespace std::chrono_literals;

namespace {
template <typename Pred>
bool eventually(Pred p, std::chrono::milliseconds timeout = 5s) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return p();
}
}  // namespace

TEST(BlockingPool, RunsTasksOnPoolThreads) {
  sgk::BlockingPool pool(3, 100);
  std::atomic<int> done{0};
  auto me = std::this_thread::get_id();
  std::atomic<bool> inline_run{false};
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(pool.submit("p",
                          [&] {
                            if (std::this_thread::get_id() == me) inline_run = true;
                            ++done;
                          }),
              SG_OK);
  }
  EXPECT_TRUE(pool.wait_idle("p", 5s));
  EXPECT_EQ(done.load(), 50);
  EXPECT_FALSE(inline_run.load());
  EXPECT_EQ(pool.threads(), 3u);
}

TEST(BlockingPool, BoundedQueueRefusesWithLimit) {
  sgk::BlockingPool pool(1, 2);
  std::atomic<bool> release{false};
  ASSERT_EQ(pool.submit("p",
                        [&] {
                          while (!release) std::this_thread::sleep_for(1ms);
                        }),
            SG_OK);
  ASSERT_TRUE(eventually([&] { return pool.running() == 1; }));
  EXPECT_EQ(pool.submit("p", [] {}), SG_OK);
  EXPECT_EQ(pool.submit("p", [] {}), SG_OK);
  EXPECT_EQ(pool.submit("p", [] {}), SG_ERR_LIMIT);
  release = true;
  EXPECT_TRUE(pool.wait_idle("p", 5s));
}

TEST(BlockingPool, RefusesStoppingOwnerAndWaitsForItsTasks) {
  sgk::BlockingPool pool(2, 100);
  std::atomic<bool> finished{false};
  ASSERT_EQ(pool.submit("stopping",
                        [&] {
                          std::this_thread::sleep_for(200ms);
                          finished = true;
                        }),
            SG_OK);
  pool.refuse("stopping");
  EXPECT_EQ(pool.submit("stopping", [] {}), SG_ERR_CANCELLED);
  EXPECT_EQ(pool.submit("other", [] {}), SG_OK);  // other plugins unaffected
  EXPECT_TRUE(pool.wait_idle("stopping", 5s));
  EXPECT_TRUE(finished.load());
}

TEST(BlockingPool, WaitIdleTimesOut) {
  sgk::BlockingPool pool(1, 10);
  std::atomic<bool> release{false};
  ASSERT_EQ(pool.submit("p",
                        [&] {
                          while (!release) std::this_thread::sleep_for(1ms);
                        }),
            SG_OK);
  EXPECT_FALSE(pool.wait_idle("p", 50ms));
  release = true;
  EXPECT_TRUE(pool.wait_idle("p", 5s));
}

TEST(Timers, OneShotFiresOnceAfterDelay) {
  sgk::TimerService timers;
  std::atomic<int> n{0};
  auto start = std::chrono::steady_clock::now();
  std::atomic<int64_t> fired_after_ms{-1};
  ASSERT_TRUE(timers
                  .start("p", 100ms, 0ms,
                         [&] {
                           fired_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::steady_clock::now() - start)
                                                .count();
                           ++n;
                         })
                  .ok());
  ASSERT_TRUE(eventually([&] { return n.load() == 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(n.load(), 1);
  EXPECT_GE(fired_after_ms.load(), 95);
  EXPECT_EQ(timers.active(), 0u);
}

TEST(Timers, PeriodicTicksAndCancelStops) {
  sgk::TimerService timers;
  std::atomic<int> n{0};
  auto id = timers.start("p", 0ms, 20ms, [&] { ++n; });
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(eventually([&] { return n.load() >= 5; }));
  EXPECT_TRUE(timers.cancel(id.value()));
  int after = n.load();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(n.load(), after);
  EXPECT_FALSE(timers.cancel(id.value()));
}

TEST(Timers, TicksOfOneTimerNeverOverlap) {
  sgk::TimerService timers(4);
  std::atomic<int> concurrent{0}, max_concurrent{0}, ticks{0};
  auto id = timers.start("p", 0ms, 5ms, [&] {
    int c = ++concurrent;
    int m = max_concurrent.load();
    while (c > m && !max_concurrent.compare_exchange_weak(m, c)) {
    }
    std::this_thread::sleep_for(30ms);  // longer than the period
    --concurrent;
    ++ticks;
  });
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(eventually([&] { return ticks.load() >= 4; }));
  EXPECT_TRUE(timers.cancel(id.value()));
  EXPECT_EQ(max_concurrent.load(), 1);
}

TEST(Timers, CancelWaitsForRunningTickAndWorksFromInside) {
  sgk::TimerService timers;
  std::atomic<bool> in{false}, out{false};
  auto id = timers.start("p", 0ms, 1000ms, [&] {
    in = true;
    std::this_thread::sleep_for(200ms);
    out = true;
  });
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(eventually([&] { return in.load(); }));
  EXPECT_TRUE(timers.cancel(id.value()));
  EXPECT_TRUE(out.load());

  std::atomic<uint64_t> self{0};
  std::atomic<int> n{0};
  std::atomic<bool> cancelled{false};
  auto id2 = timers.start("p", 0ms, 10ms, [&] {
    ++n;
    while (self.load() == 0) std::this_thread::sleep_for(1ms);
    cancelled = timers.cancel(self.load());
  });
  ASSERT_TRUE(id2.ok());
  self = id2.value();
  ASSERT_TRUE(eventually([&] { return cancelled.load(); }));
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(n.load(), 1);
}

TEST(Timers, CancelOwnerEndsOnlyThatOwnersTimers) {
  sgk::TimerService timers;
  std::atomic<int> a{0}, b{0};
  ASSERT_TRUE(timers.start("a", 0ms, 10ms, [&] { ++a; }).ok());
  ASSERT_TRUE(timers.start("a", 0ms, 10ms, [&] { ++a; }).ok());
  auto bid = timers.start("b", 0ms, 10ms, [&] { ++b; });
  ASSERT_TRUE(bid.ok());
  EXPECT_EQ(timers.cancel_owner("a"), 2u);
  int a_after = a.load();
  EXPECT_FALSE(timers.cancel(bid.value(), "a"));  // not a's timer
  ASSERT_TRUE(eventually([&] { return b.load() >= 3; }));
  EXPECT_EQ(a.load(), a_after);
}
