// WorkerPool: every job waited for has run, on a pool thread or on the waiting one; with no
// threads, on the waiting one only when waited for.
#include "theta_net/core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace theta_net {
namespace {

TEST(WorkerPool, WithoutThreadsAJobRunsWhenWaitedForOnTheWaitingThread) {
  WorkerPool pool(0);
  EXPECT_EQ(pool.threads(), 0u);
  std::thread::id ran_on;
  auto job = pool.submit([&] { ran_on = std::this_thread::get_id(); });
  EXPECT_FALSE(job->done()) << "nothing runs until waited for";
  pool.wait(job);
  EXPECT_TRUE(job->done());
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  pool.wait(job);  // waiting again is harmless
}

TEST(WorkerPool, EveryJobRunsExactlyOnceWhoeverTakesIt) {
  for (std::size_t threads : {1u, 3u}) {
    WorkerPool pool(threads);
    std::vector<std::atomic<int>> runs(2000);
    std::vector<WorkerPool::Ticket> jobs;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      jobs.push_back(pool.submit([&runs, i] { runs[i].fetch_add(1); }));
    }
    // Waiting in order: the later jobs are often taken by this thread before a worker does.
    for (const auto& job : jobs) pool.wait(job);
    for (std::size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << i;
  }
}

TEST(WorkerPool, WaitingForAllRunsTheUnstartedOnesHereWhileAThreadIsBusy) {
  WorkerPool pool(1);
  std::atomic<bool> started{false};
  std::atomic<int> done{0};
  // The pool's one thread is held by `busy` until the five others have run: only this thread
  // can run them, and wait_all must, rather than block on the busy one.
  auto busy = pool.submit([&] {
    started = true;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (done.load() < 5 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  });
  while (!started) std::this_thread::yield();
  std::vector<WorkerPool::Ticket> jobs{busy};
  std::vector<std::thread::id> ran_on(5);
  for (std::size_t i = 0; i < 5; ++i) {
    jobs.push_back(pool.submit([&, i] {
      ran_on[i] = std::this_thread::get_id();
      done.fetch_add(1);
    }));
  }
  pool.wait_all(jobs);
  EXPECT_EQ(done.load(), 5);
  for (const auto& id : ran_on) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(WorkerPool, WaitingForAllRethrowsTheFirstErrorOnceAllHaveRun) {
  for (std::size_t threads : {0u, 2u}) {
    WorkerPool pool(threads);
    std::atomic<int> runs{0};
    std::vector<WorkerPool::Ticket> jobs;
    for (int i = 0; i < 6; ++i) {
      jobs.push_back(pool.submit([&, i] {
        runs.fetch_add(1);
        if (i == 2 || i == 4) throw std::runtime_error(i == 2 ? "first" : "second");
      }));
    }
    try {
      pool.wait_all(jobs);
      ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "first") << threads;
    }
    EXPECT_EQ(runs.load(), 6) << threads;
  }
}

TEST(WorkerPool, StoppingFinishesTheQueuedJobs) {
  std::atomic<int> runs{0};
  {
    WorkerPool pool(2);
    for (int i = 0; i < 100; ++i) pool.submit([&] { runs.fetch_add(1); });
  }
  EXPECT_EQ(runs.load(), 100);
}

TEST(WorkerPool, AJobsExceptionReachesTheThreadThatWaits) {
  for (std::size_t threads : {0u, 2u}) {
    WorkerPool pool(threads);
    auto job = pool.submit([] { throw std::runtime_error("no room"); });
    EXPECT_THROW(pool.wait(job), std::runtime_error) << threads;
    EXPECT_TRUE(job->done());
    auto next = pool.submit([] {});
    pool.wait(next);  // the pool carries on
  }
}

}  // namespace
}  // namespace theta_net
