#include "exporter/reader_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>

namespace spark {
namespace {

// The pool whose thread this is; a read that queries again runs inline instead of queueing
// behind itself.
thread_local const ReaderPool* current_pool = nullptr;

// Raises this thread's niceness by `increment` (Linux: per thread, by tid).
void LowerOwnPriority(int increment) {
  if (increment <= 0) return;
  const auto tid = static_cast<id_t>(::gettid());
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) return;
  (void)::setpriority(PRIO_PROCESS, tid, std::min(19, now + increment));
}

}  // namespace

struct ReaderPool::Job {
  enum class State { kQueued, kRunning, kDone, kDropped };
  explicit Job(const std::function<void()>& r) : read(&r) {}
  const std::function<void()>* read;
  State state = State::kQueued;
  std::exception_ptr error;
};

ReaderPool::ReaderPool(ReaderPoolOptions options)
    : capacity_(std::max<size_t>(1, options.queue_capacity)) {
  size_t count = options.threads;
  if (count == 0) count = std::max<size_t>(1, std::thread::hardware_concurrency() / 2);
  threads_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, increment = options.nice_increment] { Work(increment); });
  }
}

ReaderPool::~ReaderPool() { Stop(); }

bool ReaderPool::Run(const std::function<void()>& read, WhenFull when_full) {
  if (current_pool == this) {
    read();
    return true;
  }
  Job job(read);
  std::unique_lock lock(mu_);
  if (when_full == WhenFull::kWait) {
    done_cv_.wait(lock, [&] { return stopping_ || queue_.size() < capacity_; });
  }
  if (stopping_ || queue_.size() >= capacity_) return false;
  queue_.push_back(&job);
  work_cv_.notify_one();
  // Stop drops a job still queued; one that runs is waited for.
  done_cv_.wait(
      lock, [&] { return job.state == Job::State::kDone || job.state == Job::State::kDropped; });
  if (job.state != Job::State::kDone) return false;
  if (job.error) std::rethrow_exception(job.error);
  return true;
}

void ReaderPool::Work(int nice_increment) {
  LowerOwnPriority(nice_increment);
  (void)::pthread_setname_np(::pthread_self(), "event-reader");
  current_pool = this;
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Job* job = queue_.front();
    queue_.pop_front();
    job->state = Job::State::kRunning;
    done_cv_.notify_all();  // room in the queue
    lock.unlock();
    std::exception_ptr error;
    try {
      (*job->read)();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    job->error = error;
    job->state = Job::State::kDone;  // the caller may return (and free `job`) from here on
    done_cv_.notify_all();
  }
}

void ReaderPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (Job* job : queue_) job->state = Job::State::kDropped;
    queue_.clear();
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  std::call_once(joined_, [this] {
    for (std::thread& thread : threads_) thread.join();
  });
}

size_t ReaderPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

}  // namespace spark
