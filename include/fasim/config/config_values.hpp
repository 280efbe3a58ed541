#pragma once
// Strict text <-> value conversions for configuration values, and close-match suggestions for typos.
// Numbers are parsed with std::from_chars and must consume the whole word: "1e", "abc" and "10x" are refused
// instead of being silently truncated as lexical casts or strtol would.
#include "fasim/config/ini.hpp" // trim

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fasim::io::detail {

/// A finite or infinite double written in decimal or scientific notation (an optional leading '+').
std::optional<double> parse_number(std::string_view text);

/// An integer; an exactly integral number in scientific notation ("1e6") is accepted as well.
std::optional<long long> parse_integer(std::string_view text);

/// A non-negative integer that fits 64 bits (seeds).
std::optional<std::uint64_t> parse_unsigned(std::string_view text);

/// true/false/1/0/yes/no (case-insensitive).
std::optional<bool> parse_bool(std::string_view text);

/// Comma-separated words, each trimmed; an empty text gives an empty list, an empty item stays empty so the
/// caller can refuse "a,,b".
std::vector<std::string> split_list(std::string_view text);

/// Shortest text that parses back to exactly the same double.
std::string format_number(double value);

/// Appends item to a separator-joined list.
void append(std::string& list, std::string_view separator, std::string_view item);

std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to word by edit distance when it is close enough to be a plausible typo, else "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

} // namespace fasim::io::detail
