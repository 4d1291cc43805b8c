#pragma once
// Passing an error up in one line. Most calls of a fallible function only hand its error on;
// written out, that is `if (!x) return std::unexpected(x.error());` after every such call.
//
//   auto row = PM_TRY(repository::load(tx, id));  // the value, or return the error
//   PM_TRY(sessions.end(caller));                 // a Result<void>: the check only
//
// PM_TRY(expr) evaluates a std::expected (a Result) once. On failure the enclosing function (or
// lambda) returns std::unexpected(error); otherwise the expression yields the contained value,
// moved out (nothing for Result<void>). It is a GCC statement expression (Clang has them too). Use
// it as a statement, a variable's initializer or the right side of an assignment, never inside a
// larger expression: there the early return would leave the other operands half evaluated.
// A site that changes the error, or does something before returning it, stays written out.

#include <expected>
#include <utility>

#define PM_TRY(...)                                                                 \
  ({                                                                                \
    auto&& pm_try_result_ = (__VA_ARGS__);                                          \
    if (!pm_try_result_) return std::unexpected(std::move(pm_try_result_).error()); \
    *std::move(pm_try_result_);                                                     \
  })
