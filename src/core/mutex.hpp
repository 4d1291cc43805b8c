#pragma once
// A mutex that clang's thread-safety analysis understands. State a mutex guards is declared
// PM_GUARDED_BY(mutex_), and clang (-Wthread-safety) proves every access holds it:
// tests/architecture/thread_safety.sh runs that check over the annotated files in ./pm test. GCC,
// which builds the binary, ignores the annotations. (libstdc++'s std::mutex carries none.)

#include <mutex>

#if defined(__clang__)
#define PM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PM_THREAD_ANNOTATION(x)
#endif

#define PM_CAPABILITY(name) PM_THREAD_ANNOTATION(capability(name))
#define PM_SCOPED_CAPABILITY PM_THREAD_ANNOTATION(scoped_lockable)
#define PM_GUARDED_BY(mutex) PM_THREAD_ANNOTATION(guarded_by(mutex))
#define PM_REQUIRES(...) PM_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define PM_EXCLUDES(...) PM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define PM_ACQUIRE(...) PM_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define PM_RELEASE(...) PM_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace pm {

class PM_CAPABILITY("mutex") Mutex {
 public:
  void lock() PM_ACQUIRE() { mutex_.lock(); }
  void unlock() PM_RELEASE() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

// Holds the mutex for its scope (std::lock_guard, annotated).
class PM_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) PM_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() PM_RELEASE() { mutex_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace pm
