#pragma once
// One round of a background thread's loop (the worker's, the email outbox's, the model poll's),
// run so that an exception ends the round, not the process: one escaping a std::thread's function
// calls std::terminate, every connection of the node with it. Failures a round expects come back
// as Problems; this is for the rest (a bug, a database error transact does not turn into one).

#include <exception>
#include <string_view>
#include <typeinfo>

#include <boost/core/demangle.hpp>

#include "core/log.hpp"

namespace pm {

// Runs `round`; false (the exception logged as `<loop>_round_exception`, its type only: an SQL
// error's text may quote data) when it threw.
template <class Round>
bool survive_round(std::string_view loop, Round&& round) noexcept {
  try {
    round();
    return true;
  } catch (const std::exception& e) {
    log::error(std::string(loop) + "_round_exception", {{"exception", boost::core::demangle(typeid(e).name())}});
  } catch (...) {
    log::error(std::string(loop) + "_round_exception", {{"exception", "unknown"}});
  }
  return false;
}

}  // namespace pm
