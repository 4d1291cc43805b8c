#pragma once
// A queue with one thread of its own that takes everything waiting (up to a batch's worth) at
// once and hands it to `flush`: group commit. While one batch is being flushed the next one
// gathers, so batches grow with the load and a lone item waits for nobody. Items are flushed in
// the order they were pushed. close() (or the destructor) flushes what is still queued, then joins.
// With a `spacing`, flushes start at least that far apart: under load, what arrives meanwhile waits
// and goes in the next batch (fewer, larger batches where each costs a fixed price, such as a
// transaction of several statements); an item pushed after a quiet spell still goes at once.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace pm {

template <class Item>
class GroupQueue {
 public:
  using Flush = std::function<void(std::vector<Item>& batch)>;

  GroupQueue(std::size_t max_batch, Flush flush, std::chrono::milliseconds spacing = {})
      : max_batch_(max_batch), flush_(std::move(flush)), spacing_(spacing) {}
  ~GroupQueue() { close(); }
  GroupQueue(const GroupQueue&) = delete;
  GroupQueue& operator=(const GroupQueue&) = delete;

  // Flushes what is queued and stops; later pushes are refused. (From any thread but its own.)
  void close() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // False (and the item dropped) once closed.
  bool push(Item item) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return false;
      queue_.push_back(std::move(item));
      // Started on first use: a process that never pushes (a command, the worker) has no thread.
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    ready_.notify_one();
    return true;
  }

 private:
  void run() {
    std::vector<Item> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      const auto started = std::chrono::steady_clock::now();
      flush_(batch);
      batch.clear();
      if (spacing_.count() > 0) {  // (closing cuts the wait short)
        std::unique_lock lock(mutex_);
        ready_.wait_until(lock, started + spacing_, [&] { return stopping_; });
      }
    }
  }

  const std::size_t max_batch_;
  const Flush flush_;
  const std::chrono::milliseconds spacing_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace pm
