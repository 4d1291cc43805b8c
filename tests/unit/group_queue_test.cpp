// GroupQueue (core/group_queue.hpp): batches in push order, and with a spacing, what is pushed
// while a flush's spacing runs waits and goes in one batch; close() cuts the wait short and
// flushes what is left.

#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/group_queue.hpp"

using namespace std::chrono_literals;

namespace {

struct Flushed {
  std::mutex mutex;
  std::vector<std::vector<int>> batches;
  std::promise<void> first;
  void add(const std::vector<int>& batch) {
    std::lock_guard lock(mutex);
    batches.push_back(batch);
    if (batches.size() == 1) first.set_value();
  }
};

// A queue with a 10 s spacing whose first item, 1, has been flushed alone: the spacing now runs.
std::unique_ptr<pm::GroupQueue<int>> spacing_started(Flushed& flushed, std::size_t max_batch) {
  auto first = flushed.first.get_future();
  auto queue = std::make_unique<pm::GroupQueue<int>>(
      max_batch, [&flushed](std::vector<int>& b) { flushed.add(b); }, 10s);
  EXPECT_TRUE(queue->push(1));
  first.wait();  // flushed at once: nothing was flushed before it
  return queue;
}

TEST(GroupQueue, WhatArrivesWithinTheSpacingGoesInOneBatchInOrder) {
  Flushed flushed;
  auto queue = spacing_started(flushed, 16);
  ASSERT_TRUE(queue->push(2));
  // Time enough for a queue without spacing to take 2 on its own (with it, nothing goes for 10 s).
  std::this_thread::sleep_for(100ms);
  for (int i = 3; i <= 5; ++i) ASSERT_TRUE(queue->push(i));
  queue->close();  // ends the spacing's wait: what is queued goes now, not in 10 s
  ASSERT_EQ(flushed.batches.size(), 2u);
  EXPECT_EQ(flushed.batches[0], std::vector<int>{1});
  EXPECT_EQ(flushed.batches[1], (std::vector<int>{2, 3, 4, 5})) << "waited for the spacing, together, in order";
  EXPECT_FALSE(queue->push(6)) << "closed";
}

TEST(GroupQueue, ABatchIsAtMostItsMaximum) {
  Flushed flushed;
  auto queue = spacing_started(flushed, 2);
  for (int i = 2; i <= 6; ++i) ASSERT_TRUE(queue->push(i));
  queue->close();
  ASSERT_EQ(flushed.batches.size(), 4u);
  EXPECT_EQ(flushed.batches[1], (std::vector<int>{2, 3}));
  EXPECT_EQ(flushed.batches[2], (std::vector<int>{4, 5}));
  EXPECT_EQ(flushed.batches[3], std::vector<int>{6});
}

}  // namespace
