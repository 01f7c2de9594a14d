#include "theta_net/core/worker_pool.hpp"

namespace theta_net {

bool WorkerPool::Job::try_run() {
  int expected = kQueued;
  if (!state_.compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) return false;
  try {
    work_();
  } catch (...) {
    error_ = std::current_exception();  // rethrown by wait(), on the thread that takes the result
  }
  work_ = nullptr;  // what it captured goes now, not when the last ticket does
  {
    std::lock_guard lock(mutex_);
    state_.store(kDone, std::memory_order_release);
  }
  finished_.notify_all();
  return true;
}

WorkerPool::WorkerPool(std::size_t threads) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run_threads(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();  // each returns once the queue is empty
}

void WorkerPool::run_threads() {
  for (;;) {
    Ticket job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->try_run();  // false: the waiting thread took it first
  }
}

WorkerPool::Ticket WorkerPool::submit(std::function<void()> work) {
  auto job = std::make_shared<Job>(std::move(work));
  if (threads_.empty()) return job;  // runs when waited for
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(job);
  }
  wake_.notify_one();
  return job;
}

void WorkerPool::wait(const Ticket& job) {
  if (!job->try_run()) {
    std::unique_lock lock(job->mutex_);
    job->finished_.wait(lock, [&] { return job->done(); });
  }
  if (job->error_) std::rethrow_exception(job->error_);
}

void WorkerPool::wait_all(std::span<const Ticket> jobs) {
  for (const Ticket& job : jobs) job->try_run();
  std::exception_ptr error;
  for (const Ticket& job : jobs) {
    try {
      wait(job);
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace theta_net
