#include "fasim/config/config_values.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace fasim::io::detail {

std::optional<double> parse_number(std::string_view text) {
  // from_chars refuses a leading '+', which people do write ("+1e-3").
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<long long> parse_integer(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  if (ec == std::errc::result_out_of_range) return std::nullopt;
  // "1e6" steps is natural to write; accept it only when it is exactly an integer in range.
  const auto number = parse_number(text);
  if (!number || !std::isfinite(*number) || std::trunc(*number) != *number) return std::nullopt;
  if (std::fabs(*number) > 9.0e15) return std::nullopt; // beyond 2^53 the double is not the integer written
  return static_cast<long long>(*number);
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  if (text.empty() || text.front() == '-') return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  if (ec == std::errc::result_out_of_range) return std::nullopt;
  const auto integer = parse_integer(text);
  if (!integer || *integer < 0) return std::nullopt;
  return static_cast<std::uint64_t>(*integer);
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "1" || lower == "yes") return true;
  if (lower == "false" || lower == "0" || lower == "no") return false;
  return std::nullopt;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  if (trim(text).empty()) return items;
  for (;;) {
    const auto comma = text.find(',');
    items.push_back(trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::string format_number(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("nan");
}

void append(std::string& list, std::string_view separator, std::string_view item) {
  if (!list.empty()) list += separator;
  list += item;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Levenshtein distance with one rolling row; keys are short so O(|a|·|b|) is nothing.
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // A word that is the candidate with characters left out ("fa.lrw" in "fa.lr_w") is the likelier typo when
  // two candidates are equally far.
  const auto omits_from = [&](std::string_view candidate) {
    std::size_t i = 0;
    for (char c : candidate)
      if (i < word.size() && word[i] == c) ++i;
    return i == word.size();
  };
  std::string best;
  std::size_t best_distance = std::string::npos;
  for (const auto& candidate : candidates) {
    const auto distance = edit_distance(word, candidate);
    if (distance < best_distance || (distance == best_distance && omits_from(candidate) && !omits_from(best)))
      best_distance = distance, best = candidate;
  }
  // About one edit per three characters, so "stpes" finds "steps"; short words get one edit, else "ja"
  // would "mean" "no".
  const std::size_t allowed = word.size() <= 3 ? 1 : std::max<std::size_t>(2, word.size() / 3);
  return best_distance <= allowed ? best : std::string();
}

} // namespace fasim::io::detail
