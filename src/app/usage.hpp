#pragma once
// The usage texts of fasim and its verbs, kept in one place (usage.cpp) so that `fasim --help`,
// `fasim VERB --help` and a verb run without its argument say the same thing (an unknown option:
// io::refuse_option, config/command_line.hpp).
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

} // namespace fasim::app
