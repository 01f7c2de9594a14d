// WorkerPool: every job waited for has run, on a pool thread or on the waiting one; with no
// threads, on the waiting one only when waited for.
#include "theta_net/core/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
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
