#pragma once
// The usage texts of fasim and its verbs, kept in one place (usage.cpp) so that `fasim --help`,
// `fasim VERB --help` and a verb run without its argument say the same thing (an unknown option:
// io::refuse_option, config/command_line.hpp).
#include "fasim/config/command_line.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace fasim::app {

/// `fasim --help`: every verb in one line each, and the exit codes.
std::string_view overall_usage();

/// `fasim VERB --help`: synopsis, what the verb does, its options and one example; "" for an unknown verb.
std::string_view verb_usage(std::string_view verb);

/// The words after `fasim VERB`, read by the one grammar (config/command_line.hpp) with the verb's own flags
/// (the table in usage.cpp). Throws UsageError.
io::CommandLine read_verb_line(std::string_view verb, const std::vector<std::string>& args);

/// What main() must know before MPI starts, read by the same grammar (with --help and -h as switches of every
/// verb): whether help is asked for, whether it is a dry run, the missing required argument ("" if none; e.g.
/// "CHECKPOINT_OR_RESULT" for a bare `fasim resume`, answered with the usage instead of an abort), and the
/// grammar's refusal ("" if none; the verb reports it).
struct StartScan {
  bool known = false; ///< a verb fasim has
  bool help = false, dry_run = false;
  std::string missing, error;
};
StartScan scan_before_start(std::string_view verb, const std::vector<std::string>& args);

} // namespace fasim::app
