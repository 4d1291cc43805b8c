#pragma once
// Runs a function when the scope it was made in ends, however it ends (a return, an exception):
// for undoing a mark that must not outlive the work it guards (a flag, a slot, a permit).
//   const ScopeExit done([&] { release(); });

#include <utility>

namespace pm {

template <class Fn>
class ScopeExit {
 public:
  explicit ScopeExit(Fn fn) : fn_(std::move(fn)) {}
  ~ScopeExit() { fn_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  Fn fn_;
};

}  // namespace pm
