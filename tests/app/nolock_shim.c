// A file system without locks, as NFS without lockd or Lustre mounted without `flock`: preloaded
// (LD_PRELOAD), it makes every fcntl() record lock and every flock() fail with ENOLCK
// (FASIM_NOLOCK_ERRNO=ENOSYS for the other answer such file systems give). Everything else is passed to the C
// library.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

static int lock_errno(void) {
  const char* e = getenv("FASIM_NOLOCK_ERRNO");
  return e && strcmp(e, "ENOSYS") == 0 ? ENOSYS : ENOLCK;
}

static int is_lock_command(int cmd) {
  switch (cmd) {
  case F_SETLK:
  case F_SETLKW:
  case F_GETLK:
#ifdef F_OFD_SETLK
  case F_OFD_SETLK:
  case F_OFD_SETLKW:
  case F_OFD_GETLK:
#endif
    return 1;
  default:
    return 0;
  }
}

typedef int (*fcntl_fn)(int, int, ...);

static int forward(const char* name, int fd, int cmd, void* arg) {
  fcntl_fn next = (fcntl_fn)dlsym(RTLD_NEXT, name);
  if (!next) {
    errno = ENOSYS;
    return -1;
  }
  return next(fd, cmd, arg);
}

static int intercept(const char* name, int fd, int cmd, void* arg) {
  if (is_lock_command(cmd)) {
    errno = lock_errno();
    return -1;
  }
  return forward(name, fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return intercept("fcntl", fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return intercept("fcntl64", fd, cmd, arg);
}

int flock(int fd, int operation) {
  (void)fd;
  (void)operation;
  errno = lock_errno();
  return -1;
}

int lockf(int fd, int cmd, off_t len) {
  (void)fd;
  (void)cmd;
  (void)len;
  errno = lock_errno();
  return -1;
}
