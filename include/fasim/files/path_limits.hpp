#pragma once
// Names fasim creates beside a path it was given (docs/lifecycle.md, "Files fasim creates"): the lock
// `<result>.lock`, the temporaries `<path>.<16 hex digits>.tmp`, the checkpoint ring `<checkpoint>.N`. A path
// whose name is legal but whose derived names are not (over the file system's NAME_MAX or PATH_MAX) would
// fail halfway through a run; it is refused at the start instead, before anything is written.
#include <cstddef>
#include <string>

namespace fasim::io {

/// The longest suffix fasim appends to a result file's path (its lock and temporaries).
std::size_t result_suffix_bytes();

/// The longest suffix fasim appends to a checkpoint's path: its temporaries and the ring generations up to
/// `keep` (".1" … "." + keep-1).
std::size_t checkpoint_suffix_bytes(int keep);

/// A UsageError (exit 2) when `path`, with up to `suffix_bytes` appended to its name, would exceed the
/// NAME_MAX or PATH_MAX of the file system it goes to (pathconf of its directory, or of the nearest existing
/// ancestor when the directory is yet to be made). `what` names the setting ("output.file"). Rank-local.
void check_name_fits(const std::string& path, std::size_t suffix_bytes, const std::string& what);

} // namespace fasim::io
