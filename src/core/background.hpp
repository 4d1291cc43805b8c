#pragma once
// Work that must never let an exception out: a background thread's round (the worker's, the email
// outbox's, the model poll's: one escaping a std::thread's function calls std::terminate, every
// connection of the node with it), and a step after a commit (the change stands, and its caller
// must not be told it failed). Failures the work expects come back as Problems; this is for the
// rest (a bug, a database error transact does not turn into one).

#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

#include <fmt/format.h>
#include <boost/core/demangle.hpp>

#include "core/log.hpp"

namespace pm {

// Runs `work`; false when it threw, the exception logged as `event` (its type only: an SQL error's
// text may quote data).
template <class Work>
bool survive(std::string_view event, Work&& work) noexcept {
  try {
    std::forward<Work>(work)();
    return true;
  } catch (const std::exception& e) {
    log::error(std::string(event), {{"exception", boost::core::demangle(typeid(e).name())}});
  } catch (...) {
    log::error(std::string(event), {{"exception", "unknown"}});
  }
  return false;
}

// A loop's round: its exception logged as `<loop>_round_exception`.
template <class Round>
bool survive_round(std::string_view loop, Round&& round) noexcept {
  // (fmt::format, not a string's operator+: GCC 12 warns falsely about the latter when inlined.)
  return survive(fmt::format("{}_round_exception", loop), std::forward<Round>(round));
}

}  // namespace pm
