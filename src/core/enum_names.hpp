#pragma once
// One table of names per enum: the names the database stores and the API shows, each written
// once. An enum's header declares `to_string(E)` and `<e>_from(name)`; its .cpp holds the table
// and answers both through these two (see matching/match_status.cpp).

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace pm {

template <class E, std::size_t N>
using EnumNames = std::array<std::pair<E, std::string_view>, N>;

// The name of `value`; a value missing from the table is a bug (std::logic_error).
template <class E, std::size_t N>
constexpr std::string_view name_in(const EnumNames<E, N>& names, E value) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  throw std::logic_error("an enum value without a name");
}

// The value named `name` exactly; nullopt for any other text.
template <class E, std::size_t N>
constexpr std::optional<E> value_in(const EnumNames<E, N>& names, std::string_view name) {
  for (const auto& [value, n] : names)
    if (n == name) return value;
  return std::nullopt;
}

}  // namespace pm
