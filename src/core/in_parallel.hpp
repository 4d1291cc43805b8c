#pragma once
// Runs fn(i) for every i in [0, n) on `threads` threads (the calling one included), each taking
// the next i when it is free. The first failure wins: a Problem returned, or an exception (as an
// "internal" Problem); no new i is started after it. A thread's actor scope is its own: fn sets
// the one it needs.

#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/problem.hpp"

namespace pm {

template <class Fn>
std::optional<Problem> in_parallel(std::size_t n, int threads, Fn&& fn) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::optional<Problem> failure;
  auto work = [&] {
    for (std::size_t i; (i = next++) < n;) {
      std::optional<Problem> problem;
      try {
        if (auto done = fn(i); !done) problem = done.error();
      } catch (const std::exception& e) {
        problem = Problem("internal", e.what());
      }
      if (!problem) continue;
      std::lock_guard lock(mutex);
      if (!failure) failure = std::move(problem);
      next = n;
      return;
    }
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads && static_cast<std::size_t>(t) < n; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  return failure;
}

}  // namespace pm
