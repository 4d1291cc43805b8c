#pragma once
// Polls something a test waits for (another thread's or process's work) every `every` until it
// holds or `within` has passed; true when it held. The deadlines are generous: a loaded CI machine.

#include <chrono>
#include <functional>
#include <thread>

namespace pm::test {

inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds within = std::chrono::seconds(10),
                       std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace pm::test
