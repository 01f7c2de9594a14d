// WorkerPool: threads that run submitted jobs, for work a loop hands off and collects later (the
// server's chunk generation and encoding). The caller decides when a job's result is taken, and
// waits for it then: results enter the program at points fixed by the caller, not by thread
// timing, so a deterministic loop stays deterministic with any number of threads. With zero
// threads a job runs on the caller's thread when it is waited for; with threads, a job nobody
// has started yet when it is waited for runs on the waiting thread (no thread sits idle waiting
// for a queue to drain).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

namespace theta_net {

class WorkerPool {
 public:
  class Job;
  using Ticket = std::shared_ptr<Job>;

  explicit WorkerPool(std::size_t threads);
  // The threads finish the queued jobs, then stop. Without threads, a job never waited for
  // never runs.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `work`; it runs on a pool thread, or on the thread that waits for it.
  Ticket submit(std::function<void()> work);
  // Returns once the job has run (running it here if no thread has started it). A job that
  // threw has its exception rethrown here (the job counts as done).
  void wait(const Ticket& job);
  // Returns once every job has run: first runs here, in order, each one no thread has started,
  // then waits for the others (waiting for them one by one would leave this thread blocked on
  // a job a pool thread runs while later ones sit unstarted). The first job that threw has its
  // exception rethrown, after all are done.
  void wait_all(std::span<const Ticket> jobs);
  std::size_t threads() const { return threads_.size(); }

 private:
  void run_threads();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Ticket> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

class WorkerPool::Job {
 public:
  explicit Job(std::function<void()> work) : work_(std::move(work)) {}
  bool done() const { return state_.load(std::memory_order_acquire) == kDone; }

 private:
  friend class WorkerPool;
  enum : int { kQueued, kRunning, kDone };
  // Runs the work if nobody has claimed it; false if another thread has.
  bool try_run();

  std::function<void()> work_;
  std::exception_ptr error_;  // what the work threw, if anything
  std::atomic<int> state_{kQueued};
  std::mutex mutex_;
  std::condition_variable finished_;
};

}  // namespace theta_net
