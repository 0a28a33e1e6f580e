/*
 * drover-shim: supervises one container of Drover's process runtime (what conmon + runc do for images, for host
 * processes). ProcessRuntime compiles this file with gcc and runs it once per container:
 *
 *   drover-shim DIR LOGFILE [-n] [-N NETNS] [-h HOSTNAME] [-w WORKDIR] [-e KEY=VALUE]... [-m SRC DST ro|rw]...
 *               [-c CGROUPDIR]... [-o OOMFILE] [-i [-I]] [-t] -- COMMAND [ARG]...
 *
 * It detaches from its caller (so it outlives the agent's JVM), starts COMMAND (with -n: as PID 1 of new PID,
 * mount, UTS and IPC namespaces, with the bind mounts and a fresh /proc; with -N it joins the pod's network
 * namespace, a file such as /run/netns/NAME), copies the command's stdout and stderr
 * to LOGFILE in the CRI log format, and keeps its state in DIR:
 *   started  shimPid, pid and startedAt, once COMMAND runs
 *   exit     exitCode (code, or 128+signal), oomKilled, finishedAt and, when COMMAND could not start, startError
 * The caller sees this process exit with 0 once COMMAND runs, 1 when it could not start.
 *
 * Attach (a container's stdin, stdinOnce and tty): with -i COMMAND reads its stdin from what writers of the FIFO
 * DIR/stdin send, one writer after another (kubectl attach). With -I (stdinOnce) the first writer's close is
 * COMMAND's end of input; without it the input stays open for the next writer. With -t COMMAND runs on a
 * pseudo-terminal, its output is logged as stdout, and "COLUMNS ROWS" lines written to the FIFO DIR/resize set the
 * terminal's size. With -i or -t output is logged as soon as it is read (the rest of a line as a P entry), so an
 * attached client sees a prompt that has no newline yet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE 16384 /* longer lines are split into partial (P) entries, as in containerd */
#define DRAIN_AFTER_EXIT_MS 2000 /* how long to keep reading output that outlives the command */

struct config {
  const char *dir, *log, *hostname, *workdir, *oomfile, *netns;
  int namespaces, stdin_open, stdin_once, tty;
  char **env, **mounts, **cgroups, **argv; /* mounts: triples SRC DST MODE */
  int nenv, nmounts, ncgroups;
};

struct stream {
  int fd;
  const char *name;
  size_t len;
  char buf[MAX_LINE];
};

/* Now as RFC 3339 with nanoseconds in UTC, the timestamp format of CRI logs. */
static void timestamp(char *buf, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + len, size - len, ".%09ldZ", ts.tv_nsec);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes DIR/NAME atomically (temporary file, then rename), so readers never see half a state file. */
static void write_state(const struct config *c, const char *name, const char *content) {
  char tmp[PATH_MAX], path[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", c->dir, name);
  snprintf(path, sizeof path, "%s/%s", c->dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, content, strlen(content)) < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
    fprintf(stderr, "drover-shim: writing %s: %s\n", path, strerror(errno));
}

/* One CRI log entry, written with one writev on an O_APPEND file so entries never interleave. */
static void emit(int logfd, const char *stream, char tag, const char *data, size_t len) {
  char ts[64], head[96];
  timestamp(ts, sizeof ts);
  int n = snprintf(head, sizeof head, "%s %s %c ", ts, stream, tag);
  struct iovec iov[3] = {{head, n}, {(void *)data, len}, {"\n", 1}};
  if (writev(logfd, iov, 3) < 0) fprintf(stderr, "drover-shim: writing log: %s\n", strerror(errno));
}

/*
 * Reads what the pipe has and logs each complete line (F), or a full buffer as a partial line (P). Interactive
 * output (attach) logs the rest of a line at once, as P.
 */
static void pump(struct stream *s, int logfd, int interactive) {
  ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) { /* end of output: what is left is a last line without newline */
    if (s->len > 0) emit(logfd, s->name, 'F', s->buf, s->len);
    s->len = 0;
    close(s->fd);
    s->fd = -1;
    return;
  }
  s->len += n;
  char *start = s->buf, *newline;
  while ((newline = memchr(start, '\n', s->buf + s->len - start)) != NULL) {
    emit(logfd, s->name, 'F', start, newline - start);
    start = newline + 1;
  }
  s->len -= start - s->buf;
  memmove(s->buf, start, s->len);
  if (s->len == sizeof s->buf || (interactive && s->len > 0)) {
    emit(logfd, s->name, 'P', s->buf, s->len);
    s->len = 0;
  }
}

static void mkdir_p(const char *path) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(buf, 0755);
    *p = '/';
  }
  mkdir(buf, 0755);
}

/* In the container process before exec: report why it could not start, through the close-on-exec pipe. */
static void fail(int errfd, const char *what, const char *arg) {
  dprintf(errfd, "%s %s: %s", what, arg, strerror(errno));
  _exit(127);
}

/* The value of KEY in the container's environment, or NULL. */
static const char *getenv_in(const struct config *c, const char *key) {
  size_t len = strlen(key);
  for (int i = 0; i < c->nenv; i++)
    if (strncmp(c->env[i], key, len) == 0 && c->env[i][len] == '=') return c->env[i] + len + 1;
  return NULL;
}

/* COMMAND's executable: as given when it has a slash, else the first match on the container's PATH. */
static const char *resolve(const struct config *c, char *out, size_t size) {
  const char *name = c->argv[0];
  if (strchr(name, '/')) return name;
  const char *path = getenv_in(c, "PATH");
  if (path == NULL) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const char *p = path; *p;) {
    size_t len = strcspn(p, ":");
    snprintf(out, size, "%.*s/%s", (int)len, p, name);
    if (access(out, X_OK) == 0) return out;
    p += len + (p[len] == ':');
  }
  errno = ENOENT;
  return NULL;
}

/* The container process: joins the cgroups, sets up its namespaces, then becomes COMMAND. Never returns. */
static void run_container(const struct config *c, int in, int out, int err, int errfd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* no shim, no container: nobody would collect its output or status */
  setsid();                         /* own session and process group, which stop() signals */
  char path[PATH_MAX];
  for (int i = 0; i < c->ncgroups; i++) {
    snprintf(path, sizeof path, "%s/cgroup.procs", c->cgroups[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) < 0) fail(errfd, "join cgroup", path);
    close(fd);
  }
  if (c->netns) {
    int ns = open(c->netns, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) fail(errfd, "join network namespace", c->netns);
    close(ns);
  }
  if (c->namespaces) {
    if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) < 0) fail(errfd, "unshare", "mount/uts/ipc");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail(errfd, "make mounts private", "/");
    for (int i = 0; i < c->nmounts; i++) {
      const char *src = c->mounts[3 * i], *dst = c->mounts[3 * i + 1], *mode = c->mounts[3 * i + 2];
      mkdir_p(dst);
      if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) fail(errfd, "bind mount", src);
      if (strcmp(mode, "ro") == 0 && mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        fail(errfd, "remount read-only", dst);
    }
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) fail(errfd, "mount", "/proc");
    if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0) fail(errfd, "sethostname", c->hostname);
  }
  if (chdir(c->workdir) < 0) fail(errfd, "chdir", c->workdir);
  if (in < 0 && (in = open("/dev/null", O_RDONLY)) < 0) fail(errfd, "open", "/dev/null");
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) fail(errfd, "redirect", "stdio");
  if (c->tty && ioctl(0, TIOCSCTTY, 0) < 0) fail(errfd, "set controlling terminal", "pty");
  const char *exe = resolve(c, path, sizeof path);
  if (exe == NULL) fail(errfd, "exec", c->argv[0]);
  execve(exe, c->argv, c->env);
  fail(errfd, "exec", exe);
}

/* Largest "KEY N" value in a cgroup's memory.events (v2) or memory.oom_control (v1); 0 when absent. */
static long read_counter(const char *file, const char *key) {
  FILE *f = file ? fopen(file, "r") : NULL;
  char name[64];
  long value, result = 0;
  if (f == NULL) return 0;
  while (fscanf(f, "%63s %ld", name, &value) == 2)
    if (strcmp(name, key) == 0) result = value;
  fclose(f);
  return result;
}

static int parse(int argc, char **argv, struct config *c) {
  if (argc < 4) return -1;
  memset(c, 0, sizeof *c);
  c->dir = argv[1];
  c->log = argv[2];
  c->workdir = "/";
  c->env = calloc(argc, sizeof(char *));
  c->mounts = calloc(argc, sizeof(char *));
  c->cgroups = calloc(argc, sizeof(char *));
  for (int i = 3; i < argc; i++) {
    const char *opt = argv[i];
    int more = argc - i - 1;
    if (strcmp(opt, "--") == 0) {
      c->argv = argv + i + 1;
      return more > 0 ? 0 : -1;
    } else if (strcmp(opt, "-n") == 0) c->namespaces = 1;
    else if (strcmp(opt, "-i") == 0) c->stdin_open = 1;
    else if (strcmp(opt, "-I") == 0) c->stdin_once = 1;
    else if (strcmp(opt, "-t") == 0) c->tty = 1;
    else if (strcmp(opt, "-h") == 0 && more >= 1) c->hostname = argv[++i];
    else if (strcmp(opt, "-N") == 0 && more >= 1) c->netns = argv[++i];
    else if (strcmp(opt, "-w") == 0 && more >= 1) c->workdir = argv[++i];
    else if (strcmp(opt, "-o") == 0 && more >= 1) c->oomfile = argv[++i];
    else if (strcmp(opt, "-e") == 0 && more >= 1) c->env[c->nenv++] = argv[++i];
    else if (strcmp(opt, "-c") == 0 && more >= 1) c->cgroups[c->ncgroups++] = argv[++i];
    else if (strcmp(opt, "-m") == 0 && more >= 3) {
      for (int k = 0; k < 3; k++) c->mounts[3 * c->nmounts + k] = argv[++i];
      c->nmounts++;
    } else return -1;
  }
  return -1;
}

/* Opens DIR/NAME, a FIFO made here, without blocking; -1 (with the reason in error) when that fails. */
static int open_fifo(const struct config *c, const char *name, int flags, char *error, size_t size) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", c->dir, name);
  if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
    snprintf(error, size, "mkfifo %.300s: %s", path, strerror(errno));
    return -1;
  }
  int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) snprintf(error, size, "open %.300s: %s", path, strerror(errno));
  return fd;
}

/* What an attached client sends COMMAND: read from the stdin FIFO, written to COMMAND's input without blocking. */
struct input {
  int fifo, target; /* -1 once closed */
  size_t len, off;
  char buf[4096];
};

/* Moves input on: reads the FIFO when nothing is pending, writes what is pending. */
static void relay(const struct config *c, struct input *in, short fifo_events, short target_events) {
  if (in->len == 0 && (fifo_events & (POLLIN | POLLHUP))) {
    ssize_t n = read(in->fifo, in->buf, sizeof in->buf);
    if (n > 0) {
      in->len = n;
      in->off = 0;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) { /* the writer went away */
      close(in->fifo);
      in->fifo = -1;
      if (c->stdin_once) {
        if (!c->tty) close(in->target); /* COMMAND sees the end of its input */
        in->target = -1;
      } else {
        char ignored[1];
        in->fifo = open_fifo(c, "stdin", O_RDONLY, ignored, 0); /* and wait for the next writer */
      }
    }
  }
  if (in->len > 0 && (target_events & POLLOUT)) {
    ssize_t n = write(in->target, in->buf + in->off, in->len - in->off);
    if (n > 0) in->off += n;
    else if (n < 0 && errno != EAGAIN && errno != EINTR) in->off = in->len; /* COMMAND closed its input: drop */
    if (in->off == in->len) in->len = 0;
  }
}

/* Applies "COLUMNS ROWS" lines from the resize FIFO to the terminal. */
static void resize(int fifo, int master) {
  char buf[256];
  ssize_t n = read(fifo, buf, sizeof buf - 1);
  if (n <= 0) return;
  buf[n] = '\0';
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    struct winsize size = {0};
    if (sscanf(line, "%hu %hu", &size.ws_col, &size.ws_row) == 2) ioctl(master, TIOCSWINSZ, &size);
  }
}

int main(int argc, char **argv) {
  struct config c;
  if (parse(argc, argv, &c) < 0) {
    fprintf(stderr, "usage: drover-shim DIR LOGFILE [options] -- COMMAND [ARG]...\n");
    return 2;
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) < 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid > 0) { /* the caller's child: wait for the shim's word on the start, then exit */
    char ok = 1;
    close(ready[1]);
    waitpid(pid, NULL, 0); /* the intermediate process, which exits at once */
    return read(ready[0], &ok, 1) == 1 && ok == 0 ? 0 : 1;
  }
  setsid(); /* detach from the caller's session, then fork again so the shim is no session leader */
  if ((pid = fork()) != 0) _exit(pid < 0);
  close(ready[0]);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);

  char state[PATH_MAX + 256], when[64], error[512] = "";
  int out[2], err[2], errpipe[2], in[2] = {-1, -1}, master = -1, resize_fifo = -1;
  struct input input = {.fifo = -1, .target = -1};
  int logfd = open(c.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (logfd < 0) snprintf(error, sizeof error, "open log %s: %s", c.log, strerror(errno));
  else if (pipe2(errpipe, O_CLOEXEC) < 0) snprintf(error, sizeof error, "pipe: %s", strerror(errno));
  else if (c.tty) { /* COMMAND's stdin, stdout and stderr are the terminal; the shim reads and writes its master */
    if ((master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
        (out[1] = err[1] = in[0] = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
      snprintf(error, sizeof error, "pseudo-terminal: %s", strerror(errno));
    else if ((resize_fifo = open_fifo(&c, "resize", O_RDWR, error, sizeof error)) >= 0) {
      out[0] = input.target = master;
      err[0] = -1;
      fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    }
  } else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    snprintf(error, sizeof error, "pipe: %s", strerror(errno));
  } else if (c.stdin_open) {
    if (pipe2(in, O_CLOEXEC) < 0) snprintf(error, sizeof error, "pipe: %s", strerror(errno));
    input.target = in[1];
    fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
  }
  if (!error[0] && c.stdin_open) input.fifo = open_fifo(&c, "stdin", O_RDONLY, error, sizeof error);
  else if (c.namespaces && unshare(CLONE_NEWPID) < 0) /* the next child is PID 1 of a new namespace */
    snprintf(error, sizeof error, "unshare pid: %s", strerror(errno));
  pid_t child = error[0] ? -1 : fork();
  if (child == 0) run_container(&c, in[0], out[1], err[1], errpipe[1]);
  timestamp(when, sizeof when);
  if (child > 0) {
    close(out[1]);
    if (err[1] != out[1]) close(err[1]);
    if (in[0] >= 0 && in[0] != out[1]) close(in[0]);
    if (!c.stdin_open && in[1] >= 0) close(in[1]);
    close(errpipe[1]);
    ssize_t n = read(errpipe[0], error, sizeof error - 1); /* end of file: the exec succeeded */
    error[n > 0 ? n : 0] = '\0';
  } else if (child < 0 && !error[0]) snprintf(error, sizeof error, "fork: %s", strerror(errno));
  if (error[0]) {
    if (child > 0) waitpid(child, NULL, 0);
    snprintf(state, sizeof state, "exitCode=128\noomKilled=false\nfinishedAt=%s\nstartError=%s\n", when, error);
    write_state(&c, "exit", state);
    write(ready[1], "\1", 1);
    return 1;
  }
  snprintf(state, sizeof state, "shimPid=%d\npid=%d\nstartedAt=%s\n", getpid(), child, when);
  write_state(&c, "started", state);
  write(ready[1], "\0", 1);
  close(ready[1]);

  struct stream streams[2] = {{out[0], "stdout", 0, {0}}, {err[0], "stderr", 0, {0}}};
  int status = 0, exited = 0, interactive = c.stdin_open || c.tty;
  long drain_until = 0;
  while (streams[0].fd >= 0 || streams[1].fd >= 0) {
    struct pollfd fds[5];
    struct stream *polled[2];
    int nfds = 0;
    for (int i = 0; i < 2; i++)
      if (streams[i].fd >= 0) {
        fds[nfds] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
        polled[nfds++] = &streams[i];
      }
    int streams_polled = nfds, fifo_at = -1, target_at = -1, resize_at = -1;
    if (!exited && input.fifo >= 0 && input.target >= 0 && input.len == 0) {
      fifo_at = nfds;
      fds[nfds++] = (struct pollfd){.fd = input.fifo, .events = POLLIN};
    }
    if (!exited && input.target >= 0 && input.len > 0) {
      target_at = nfds;
      fds[nfds++] = (struct pollfd){.fd = input.target, .events = POLLOUT};
    }
    if (!exited && resize_fifo >= 0) {
      resize_at = nfds;
      fds[nfds++] = (struct pollfd){.fd = resize_fifo, .events = POLLIN};
    }
    if (poll(fds, nfds, 100) > 0) {
      for (int i = 0; i < streams_polled; i++)
        if (fds[i].revents) pump(polled[i], logfd, interactive);
      if (fifo_at >= 0 || target_at >= 0)
        relay(&c, &input, fifo_at >= 0 ? fds[fifo_at].revents : 0, target_at >= 0 ? fds[target_at].revents : 0);
      if (resize_at >= 0 && fds[resize_at].revents) resize(resize_fifo, master);
    }
    if (!exited && waitpid(child, &status, WNOHANG) == child) {
      exited = 1;
      kill(-child, SIGKILL); /* the command's end is its process group's end (a PID namespace does this itself) */
      drain_until = now_ms() + DRAIN_AFTER_EXIT_MS;
    }
    if (exited && now_ms() > drain_until) break; /* an escaped process still holds the pipes: stop reading */
  }
  for (int i = 0; i < 2; i++)
    if (streams[i].len > 0) emit(logfd, streams[i].name, 'F', streams[i].buf, streams[i].len);
  if (!exited) waitpid(child, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int oom = read_counter(c.oomfile, "oom_kill") > 0;
  timestamp(when, sizeof when);
  snprintf(state, sizeof state, "exitCode=%d\noomKilled=%s\nfinishedAt=%s\n", code, oom ? "true" : "false", when);
  write_state(&c, "exit", state);
  return 0;
}
