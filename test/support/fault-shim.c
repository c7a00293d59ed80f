/*
 * A file wrapper for storage-fault tests, loaded into the engine process with LD_PRELOAD: once the file
 * named by STEADFAST_FAULT_TRIGGER exists, every write, truncate and sync of a file whose path starts
 * with STEADFAST_FAULT_PATH fails with STEADFAST_FAULT_ERRNO (EIO, a failing device; EROFS, a filesystem
 * turned read-only, which access(2) then also says of the file's directory). Everything else passes
 * through to libc. Test code only; built by fault-shim.ts.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static volatile int armed = 0;
static volatile long long checked_at = 0;

/* True once the trigger file exists (looked for at most every 20 ms). */
static int is_armed(void) {
  if (armed) return 1;
  const char *trigger = getenv("STEADFAST_FAULT_TRIGGER");
  if (trigger == NULL) return 0;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
  if (now - checked_at < 20000000LL) return 0;
  checked_at = now;
  if (access(trigger, F_OK) == 0) armed = 1;
  return armed;
}

/* True when fd is a file under STEADFAST_FAULT_PATH and the fault is armed. */
static int faulty(int fd) {
  if (!is_armed()) return 0;
  const char *prefix = getenv("STEADFAST_FAULT_PATH");
  if (prefix == NULL) return 0;
  char link[64];
  char target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = 0;
  return strncmp(target, prefix, strlen(prefix)) == 0;
}

static int fault_errno(void) {
  const char *name = getenv("STEADFAST_FAULT_ERRNO");
  return name != NULL && strcmp(name, "EROFS") == 0 ? EROFS : EIO;
}

#define WRAP(ret, name, params, args)                        \
  ret name params {                                          \
    static ret(*real) params = NULL;                         \
    if (real == NULL) real = dlsym(RTLD_NEXT, #name);        \
    if (faulty(fd)) {                                        \
      errno = fault_errno();                                 \
      return -1;                                             \
    }                                                        \
    return real args;                                        \
  }

WRAP(ssize_t, write, (int fd, const void *buf, size_t count), (fd, buf, count))
WRAP(ssize_t, pwrite, (int fd, const void *buf, size_t count, off_t offset), (fd, buf, count, offset))
WRAP(ssize_t, pwrite64, (int fd, const void *buf, size_t count, off64_t offset), (fd, buf, count, offset))
WRAP(int, fsync, (int fd), (fd))
WRAP(int, fdatasync, (int fd), (fd))
WRAP(int, ftruncate, (int fd, off_t length), (fd, length))
WRAP(int, ftruncate64, (int fd, off64_t length), (fd, length))

/* EROFS: asked whether the faulty file's directory (or the file) may be written, the answer is no. */
static int read_only(const char *path, int mode) {
  if ((mode & W_OK) == 0 || fault_errno() != EROFS || !is_armed()) return 0;
  const char *prefix = getenv("STEADFAST_FAULT_PATH");
  const char *slash = prefix == NULL ? NULL : strrchr(prefix, '/');
  if (slash == NULL) return 0;
  size_t dir = (size_t)(slash - prefix);
  if (strlen(path) == dir && strncmp(path, prefix, dir) == 0) return 1;
  return strncmp(path, prefix, strlen(prefix)) == 0;
}

int access(const char *path, int mode) {
  static int (*real)(const char *, int) = NULL;
  if (real == NULL) real = dlsym(RTLD_NEXT, "access");
  if (read_only(path, mode)) {
    errno = EROFS;
    return -1;
  }
  return real(path, mode);
}

int faccessat(int dirfd, const char *path, int mode, int flags) {
  static int (*real)(int, const char *, int, int) = NULL;
  if (real == NULL) real = dlsym(RTLD_NEXT, "faccessat");
  if (read_only(path, mode)) {
    errno = EROFS;
    return -1;
  }
  return real(dirfd, path, mode, flags);
}
