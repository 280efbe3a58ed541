/* A fault-injection shim for tests (LD_PRELOAD): makes the write family and fsync fail with a chosen errno,
 * on a chosen rank, for files whose path contains a chosen text, after a chosen number of bytes or calls.
 * Once the fault fires it stays (a full disk stays full). Environment:
 *   FASIM_FAULT_ERRNO   ENOSPC, EDQUOT, EIO, EFBIG (or a number); unset: the shim does nothing
 *   FASIM_FAULT_RANK    the MPI rank that fails (default 0; the launcher's rank variable; a singleton is 0)
 *   FASIM_FAULT_PATH    only files whose path contains this text (default ".h5"); a trailing '$': whose path
 *                       ends in it
 *   FASIM_FAULT_SKIP    comma-separated texts: files whose path contains one are never failed (default none;
 *                       MPI-IO's own helper files, Open MPI's shared file pointer `*.sm` and /dev/shm, never
 *                       are: a failure there is MPI's, not fasim's)
 *   FASIM_FAULT_BYTES   fail once this many bytes were written to matching files by this process (default 0)
 *   FASIM_FAULT_CALLS   ... or once this many matching calls were made (default 0)
 *   FASIM_FAULT_ARMED   a path: the fault counts and fires only while this file exists (a test arms it when
 *                       the phase it wants to break has begun)
 *   FASIM_FAULT_LOG     a path: the shim appends one line there when the fault first fires */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int fault_errno = -1; /* -1: not configured yet; 0: off */
static const char* fault_path = ".h5";
static const char* fault_armed = NULL;
static const char* fault_log = NULL;
static const char* fault_skip = NULL;
static long long fault_bytes = 0, fault_calls = 0;
static long long seen_bytes = 0, seen_calls = 0;
static int fired = 0;

static int errno_named(const char* name) {
  static const struct {
    const char* name;
    int value;
  } known[] = {{"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EIO", EIO}, {"EFBIG", EFBIG}, {"EROFS", EROFS}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; ++i)
    if (strcmp(name, known[i].name) == 0) return known[i].value;
  return atoi(name);
}

static const char* my_rank_text(void) {
  const char* vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i) {
    const char* v = getenv(vars[i]);
    if (v) return v;
  }
  return "0";
}

static void configure(void) {
  if (fault_errno >= 0) return;
  fault_errno = 0;
  const char* e = getenv("FASIM_FAULT_ERRNO");
  if (!e || !*e) return;
  const char* rank = getenv("FASIM_FAULT_RANK");
  if (atoi(rank ? rank : "0") != atoi(my_rank_text())) return;
  const char* p = getenv("FASIM_FAULT_PATH");
  if (p && *p) fault_path = p;
  const char* b = getenv("FASIM_FAULT_BYTES");
  if (b) fault_bytes = atoll(b);
  const char* c = getenv("FASIM_FAULT_CALLS");
  if (c) fault_calls = atoll(c);
  fault_armed = getenv("FASIM_FAULT_ARMED");
  fault_log = getenv("FASIM_FAULT_LOG");
  fault_skip = getenv("FASIM_FAULT_SKIP");
  fault_errno = errno_named(e);
}

/* Whether this call on `fd` (of `bytes`) fails; counts it otherwise. */
static int should_fail(int fd, long long bytes) {
  configure();
  if (fault_errno == 0) return 0;
  if (fired) goto check_path;
  if (fault_armed && access(fault_armed, F_OK) != 0) return 0;
check_path:;
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  const size_t length = strlen(target);
  if (strstr(target, "/dev/shm/") || (length > 3 && strcmp(target + length - 3, ".sm") == 0)) return 0;
  if (fault_skip) {
    char list[1024];
    snprintf(list, sizeof list, "%s", fault_skip);
    for (char *save = NULL, *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save))
      if (*item && strstr(target, item)) return 0;
  }
  const size_t want = strlen(fault_path);
  if (want > 0 && fault_path[want - 1] == '$') {
    const size_t have = strlen(target);
    if (have < want - 1 || strncmp(target + have - (want - 1), fault_path, want - 1) != 0) return 0;
  } else if (!strstr(target, fault_path)) {
    return 0;
  }
  if (!fired && (seen_bytes + bytes > fault_bytes || fault_bytes == 0) && seen_calls + 1 > fault_calls) {
    fired = 1;
    if (fault_log) {
      FILE* log = fopen(fault_log, "a");
      if (log) {
        fprintf(log, "rank %s: errno %d on %s after %lld bytes, %lld calls\n", my_rank_text(), fault_errno,
                target, seen_bytes, seen_calls);
        fclose(log);
      }
    }
  }
  if (fired) return 1;
  seen_bytes += bytes;
  seen_calls += 1;
  return 0;
}

#define REAL(name, ret, args)                                                                                \
  static ret(*real_##name) args = NULL;                                                                      \
  if (!real_##name) *(void**)(&real_##name) = dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void* buf, size_t count) {
  REAL(write, ssize_t, (int, const void*, size_t));
  if (should_fail(fd, (long long)count)) return errno = fault_errno, -1;
  return real_write(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  REAL(pwrite, ssize_t, (int, const void*, size_t, off_t));
  if (should_fail(fd, (long long)count)) return errno = fault_errno, -1;
  return real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off_t offset) {
  REAL(pwrite64, ssize_t, (int, const void*, size_t, off_t));
  if (should_fail(fd, (long long)count)) return errno = fault_errno, -1;
  return real_pwrite64(fd, buf, count, offset);
}

static long long iov_bytes(const struct iovec* iov, int n) {
  long long total = 0;
  for (int i = 0; i < n; ++i) total += (long long)iov[i].iov_len;
  return total;
}

ssize_t writev(int fd, const struct iovec* iov, int n) {
  REAL(writev, ssize_t, (int, const struct iovec*, int));
  if (should_fail(fd, iov_bytes(iov, n))) return errno = fault_errno, -1;
  return real_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec* iov, int n, off_t offset) {
  REAL(pwritev, ssize_t, (int, const struct iovec*, int, off_t));
  if (should_fail(fd, iov_bytes(iov, n))) return errno = fault_errno, -1;
  return real_pwritev(fd, iov, n, offset);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int n, off_t offset) {
  REAL(pwritev64, ssize_t, (int, const struct iovec*, int, off_t));
  if (should_fail(fd, iov_bytes(iov, n))) return errno = fault_errno, -1;
  return real_pwritev64(fd, iov, n, offset);
}

int fsync(int fd) {
  REAL(fsync, int, (int));
  if (should_fail(fd, 0)) return errno = fault_errno, -1;
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync, int, (int));
  if (should_fail(fd, 0)) return errno = fault_errno, -1;
  return real_fdatasync(fd);
}
