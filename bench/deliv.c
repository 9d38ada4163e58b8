/* deliv: timing helpers for the end-to-end local delivery benchmark.
 *   deliv wait DIR N TIMEOUT
 *     poll DIR (a Maildir's new/) every 2 ms until it holds N entries;
 *     prints the wall-clock time (seconds since the epoch, CLOCK_REALTIME,
 *     comparable with date +%s.%N) when the N-th appeared, and the count.
 *     Exits 0 when N were reached, 1 on timeout (prints the count anyway).
 *   deliv latency DIR K PAUSE_MS MSGFILE PROG [ARG...]
 *     K times, one message at a time: start PROG with MSGFILE on fd 0,
 *     wait with inotify for a new file in DIR (link or rename into new/),
 *     record the time from the fork to that event, wait for PROG, remove
 *     the file, pause PAUSE_MS.  Prints: K median p99 min max (ms) failures.
 *     Exits 0 if every message arrived within 30 s. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
clock_s(clockid_t c)
{
    struct timespec ts;

    clock_gettime(c, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long
count(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long n = 0;

    if (!d) return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static int
waitmode(const char *dir, long want, double timeout)
{
    double end = clock_s(CLOCK_MONOTONIC) + timeout;
    struct timespec two = { 0, 2000000 };
    long n;

    for (;;) {
        n = count(dir);
        if (n < 0) { fprintf(stderr, "deliv: cannot read %s: %s\n", dir, strerror(errno)); return 2; }
        if (n >= want) { printf("%.6f %ld\n", clock_s(CLOCK_REALTIME), n); return 0; }
        if (clock_s(CLOCK_MONOTONIC) > end) { printf("%.6f %ld\n", clock_s(CLOCK_REALTIME), n); return 1; }
        nanosleep(&two, 0);
    }
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* one message: ms from fork to the file in dir, -1 on failure */
static double
one(int ino, const char *dir, const char *msg, char **prog)
{
    char buf[4096] __attribute__((aligned(8)));
    char name[8192] = "";
    struct pollfd p = { ino, POLLIN, 0 };
    double t0, t1 = -1, end;
    pid_t pid;
    int st, fd;
    ssize_t r;

    t0 = clock_s(CLOCK_MONOTONIC);
    pid = fork();
    if (pid == -1) return -1;
    if (pid == 0) {
        fd = open(msg, O_RDONLY);
        if (fd == -1 || dup2(fd, 0) == -1) _exit(120);
        fd = open("/dev/null", O_WRONLY);
        if (fd == -1 || dup2(fd, 1) == -1) _exit(120);
        execv(prog[0], prog);
        _exit(127);
    }
    end = t0 + 30;
    while (t1 < 0 && clock_s(CLOCK_MONOTONIC) < end) {
        if (poll(&p, 1, 100) <= 0) continue;
        r = read(ino, buf, sizeof buf);
        if (r <= 0) continue;
        t1 = clock_s(CLOCK_MONOTONIC);
        {
            struct inotify_event *ev = (struct inotify_event *)buf;
            if (ev->len) snprintf(name, sizeof name, "%s/%s", dir, ev->name);
        }
    }
    while (waitpid(pid, &st, 0) == -1 && errno == EINTR) ;
    if (name[0]) unlink(name);
    if (t1 < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) return -1;
    return (t1 - t0) * 1000;
}

static int
latencymode(const char *dir, long k, long pause, const char *msg, char **prog)
{
    double *ms = calloc((size_t)k, sizeof *ms), v;
    struct timespec ps = { pause / 1000, (pause % 1000) * 1000000 };
    long i, n = 0, failed = 0;
    int ino = inotify_init1(IN_NONBLOCK);

    if (!ms || ino == -1 || inotify_add_watch(ino, dir, IN_CREATE | IN_MOVED_TO) == -1) {
        fprintf(stderr, "deliv: cannot watch %s: %s\n", dir, strerror(errno));
        return 2;
    }
    for (i = 0; i < k; i++) {
        v = one(ino, dir, msg, prog);
        if (v < 0) failed++;
        else ms[n++] = v;
        nanosleep(&ps, 0);
    }
    if (!n) { printf("%ld - - - - %ld\n", k, failed); return 1; }
    qsort(ms, (size_t)n, sizeof *ms, cmp);
    printf("%ld %.2f %.2f %.2f %.2f %ld\n", k,
           (n % 2) ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2,
           ms[(long)(0.99 * (double)(n - 1) + 0.5)], ms[0], ms[n - 1], failed);
    return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "wait"))
        return waitmode(argv[2], atol(argv[3]), atof(argv[4]));
    if (argc >= 7 && !strcmp(argv[1], "latency"))
        return latencymode(argv[2], atol(argv[3]), atol(argv[4]), argv[5], argv + 6);
    fprintf(stderr, "usage: deliv wait DIR N TIMEOUT | deliv latency DIR K PAUSE_MS MSGFILE PROG [ARG...]\n");
    return 100;
}
