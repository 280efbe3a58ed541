#pragma once
// The error types every layer throws. Messages are one line: what failed, where, and how to fix it.
#include <source_location>
#include <stdexcept>
#include <string>

namespace fasim {

/// Base of every fasim error; what() is the one-line message shown to the user.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A user-facing configuration or input problem (bad key, bad value, missing file).
class UsageError : public Error {
public:
  using Error::Error;
};

/// An MPI call returned an error code.
class MpiError : public Error {
public:
  using Error::Error;
};

/// A ScaLAPACK/PBLAS routine returned INFO != 0.
class ScalapackError : public Error {
public:
  ScalapackError(const std::string& routine, int info)
      : Error(routine + " failed with INFO = " + std::to_string(info) +
              (info < 0 ? " (argument " + std::to_string(-info) + " was illegal)"
                        : " (numerical failure: matrix singular, not positive definite or not converged)")),
        routine_(routine), info_(info) {}
  const std::string& routine() const { return routine_; }
  int info() const { return info_; }

private:
  std::string routine_;
  int info_;
};

/// An error that every rank of a communicator has agreed on; carries the failing rank's message.
class CollectiveError : public Error {
public:
  CollectiveError(int failed_rank, const std::string& message, int exit_code)
      : Error(message), failed_rank_(failed_rank), exit_code_(exit_code) {}
  int failed_rank() const { return failed_rank_; }
  int exit_code() const { return exit_code_; }

private:
  int failed_rank_;
  int exit_code_;
};

/// A failed internal-consistency check: a broken invariant of fasim's own code, not a user's mistake. what()
/// is the message users see, as before; condition() and location() tell a developer which check failed
/// (parallel::message_of appends them when the environment sets FASIM_DEBUG, docs/architecture.md).
class InternalError : public Error {
public:
  InternalError(const std::string& what, const char* condition, const std::source_location& where)
      : Error(what), condition_(condition ? condition : ""), file_(where.file_name()), line_(where.line()) {}
  /// The checked condition's source text ("" when the check was made through require() directly).
  const std::string& condition() const { return condition_; }
  /// "file:line" of the check.
  std::string location() const { return file_ + ":" + std::to_string(line_); }

private:
  std::string condition_, file_;
  unsigned line_;
};

/// Throws InternalError(what) unless `ok`: the internal-consistency check every layer uses (shapes, layouts),
/// recording the caller's file and line. Use it through FASIM_REQUIRE, which also records the condition's
/// text.
inline void require(bool ok, const std::string& what, const char* condition = nullptr,
                    const std::source_location where = std::source_location::current()) {
  if (!ok) throw InternalError(what, condition, where);
}

} // namespace fasim

/// FASIM_REQUIRE(condition, what): require(condition, what) that records `condition`'s text as well.
#define FASIM_REQUIRE(condition, what) ::fasim::require(static_cast<bool>(condition), (what), #condition)
/// FASIM_UNREACHABLE(what): a branch fasim's own code never takes (a switch's missing case); throws
/// InternalError(what) recording "unreachable" as its condition and the file:line.
#define FASIM_UNREACHABLE(what)                                                                              \
  throw ::fasim::InternalError((what), "unreachable", std::source_location::current())
