#pragma once
// A few dedicated threads for expensive reads (the on-disk part of a connectivity-log query),
// at a lower scheduling priority than the request threads, behind a bounded queue. However
// many clients read at once, at most `threads` reads use a core, and they give way to the
// request threads that append (a health-event report waits for a core, not for readers).
// The priority is lowered once on each pool thread's own tid when it starts: without
// CAP_SYS_NICE a thread cannot raise it again, so it must be a thread of its own, never a
// borrowed request thread.
// Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spark {

struct ReaderPoolOptions {
  size_t threads = 0;          // 0 = max(1, hardware_concurrency / 2)
  size_t queue_capacity = 32;  // reads waiting for a thread (not counting those running)
  int nice_increment = 10;     // added to each pool thread's niceness (capped at 19)
};

class ReaderPool {
 public:
  enum class WhenFull {
    kRefuse,  // return false at once: the caller answers "busy"
    kWait,    // wait for room (bounded by the callers there can be: request threads)
  };

  explicit ReaderPool(ReaderPoolOptions options = {});
  ~ReaderPool();  // Stop()
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // Runs `read` on a pool thread, reads in the order they were queued, and returns true once
  // it has run (an exception it throws is rethrown here). Returns false without running it
  // when the queue is full (kRefuse) or the pool has stopped, also when it stops while `read`
  // still waits in the queue. Called on a pool thread, runs `read` right there.
  bool Run(const std::function<void()>& read, WhenFull when_full);

  // Refuses new reads, drops the queued ones (their callers get false), lets the running
  // ones finish and joins the threads. Idempotent; the destructor calls it. Not from a read.
  void Stop();

  size_t threads() const { return threads_.size(); }
  // Reads waiting in the queue now (for tests and diagnostics).
  size_t queued() const;

 private:
  struct Job;
  void Work(int nice_increment);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // a job was queued, or the pool stops
  std::condition_variable done_cv_;  // a job finished or was dropped, room appeared, or stop
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::once_flag joined_;
  std::vector<std::thread> threads_;  // set in the constructor, never resized
};

}  // namespace spark
