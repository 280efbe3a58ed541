#pragma once
// The usage texts of fasim and its verbs, kept in one place (usage.cpp) so that `fasim --help`,
// `fasim VERB --help`, a verb run without its argument and an unknown option all say the same thing.
#include <string>
#include <string_view>
#include <vector>

namespace fasim::app {

/// `fasim --help`: every verb in one line each, and the exit codes.
std::string_view overall_usage();

/// `fasim VERB --help`: synopsis, what the verb does, its options and one example; "" for an unknown verb.
std::string_view verb_usage(std::string_view verb);

/// True when args holds --help or -h.
bool asks_for_help(const std::vector<std::string>& args);

/// The verb's required argument when args lacks it (e.g. "CHECKPOINT_OR_RESULT" for resume), else "".
/// Checked before MPI work starts, so a bare `fasim resume` prints its usage instead of aborting.
std::string missing_argument(std::string_view verb, const std::vector<std::string>& args);

/// Throws the UsageError for an option the verb does not know:
/// "unknown option '--jsn' for 'fasim info'; run 'fasim info --help' for its options".
[[noreturn]] void refuse_option(std::string_view verb, const std::string& option);

} // namespace fasim::app
