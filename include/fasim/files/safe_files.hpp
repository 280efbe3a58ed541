#pragma once
// How fasim creates, replaces and reuses files in directories that other people can write (docs/lifecycle.md,
// "Files fasim creates"): a new file is created exclusively under a fresh unpredictable name, so nothing
// planted at a path (a file, a directory, a dangling or live symbolic link) is ever written through; a file
// that replaces another is renamed over it, which replaces a link instead of following it; a file fasim
// writes into again (a result it continues, a checkpoint it resumes from) must be a regular file of the
// user's own. All functions are local (one rank); callers agree on the outcome.
#include <string>
#include <vector>

namespace fasim::io {

/// 16 random hex digits from the kernel's random source.
std::string random_token();

/// "<target>.<16 random hex digits>.tmp": a name beside `target` that nobody can predict. Nothing is created.
std::string fresh_temporary_name(const std::string& target);

/// Deletes this user's own leftover temporaries of `target` (regular files named like fresh_temporary_name's,
/// left by a process killed while writing). Anything else is left alone. Returns the names removed.
std::vector<std::string> remove_stale_temporaries(const std::string& target);

/// Creates the missing parent directories of `path` (mode 0777 less the umask). A UsageError naming `what`
/// when they cannot be created (a file in the way, no permission).
void create_parent_directories(const std::string& path, const std::string& what);

/// A UsageError unless `path` is a regular file (not a symbolic link) owned by the user running fasim; `what`
/// names it in the message ("checkpoint", "result file").
void require_own_regular_file(const std::string& path, const std::string& what);

/// Renames `from` over `to` (a symbolic link at `to` is replaced, never followed) and makes the rename
/// durable (the directory is fsync()ed). An Error naming `what` on failure.
void rename_over(const std::string& from, const std::string& to, const std::string& what);
/// Gives the file `from` the name `to` only if nothing (no file, no link) is there, then removes the name
/// `from` and syncs the directory. Throws UsageError naming `to` when something is.
void link_new(const std::string& from, const std::string& to, const std::string& what);

/// True when both paths exist and name the same file (device and inode, links followed).
bool same_file(const std::string& a, const std::string& b);

/// True when `a` and `b` name, or would name once created, the same file: the same file, or the same
/// absolute path with links in the existing part resolved.
bool same_destination(const std::string& a, const std::string& b);

/// Flushes the file `path` (data and metadata) to stable storage: open, fsync, close. A failure is an Error
/// "cannot fsync <what> '<path>': <reason>".
void sync_file(const std::string& path, const std::string& what);
/// Flushes the entries of `directory` (creations, renames) to stable storage. File systems that cannot sync a
/// directory (EINVAL) are accepted; any other failure is an Error naming `what` and the directory.
void sync_directory(const std::string& directory, const std::string& what);

} // namespace fasim::io
