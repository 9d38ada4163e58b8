/* fsyncrate: how many durable file creations per second this disk allows.
 * One cycle = create a file in DIR/tmp, write 2 KB, fsync it, rename it
 * into DIR/new, fsync DIR/new; the same steps a queue insertion needs at
 * the least.  usage: fsyncrate DIR STREAMS CYCLES
 * STREAMS processes share DIR/tmp and DIR/new and do CYCLES/STREAMS
 * cycles each.  Prints: streams cycles seconds cycles_per_second
 * The files are removed afterwards (not timed). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
fail(const char *what, const char *arg)
{
    fprintf(stderr, "fsyncrate: %s %s: %s\n", what, arg, strerror(errno));
    exit(111);
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
stream(const char *dir, int id, long cycles)
{
    char tmp[4096], new[4096], newdir[4096], buf[2048];
    long i;
    int fd, dfd;

    memset(buf, 'x', sizeof buf);
    snprintf(newdir, sizeof newdir, "%s/new", dir);
    dfd = open(newdir, O_RDONLY | O_DIRECTORY);
    if (dfd == -1) fail("cannot open", newdir);
    for (i = 0; i < cycles; i++) {
        snprintf(tmp, sizeof tmp, "%s/tmp/%d.%ld", dir, id, i);
        snprintf(new, sizeof new, "%s/new/%d.%ld", dir, id, i);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd == -1) fail("cannot create", tmp);
        if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) fail("cannot write", tmp);
        if (fsync(fd) == -1) fail("cannot fsync", tmp);
        if (close(fd) == -1) fail("cannot close", tmp);
        if (rename(tmp, new) == -1) fail("cannot rename", tmp);
        if (fsync(dfd) == -1) fail("cannot fsync", newdir);
    }
    close(dfd);
}

static void
cleanup(const char *dir, int streams, long per)
{
    char fn[4096];
    int s;
    long i;

    for (s = 0; s < streams; s++)
        for (i = 0; i < per; i++) {
            snprintf(fn, sizeof fn, "%s/new/%d.%ld", dir, s, i);
            unlink(fn);
        }
}

int
main(int argc, char **argv)
{
    const char *dir;
    char sub[4096];
    int streams, s, st, bad = 0;
    long cycles, per;
    double t0, t1;
    pid_t pid;

    if (argc != 4) {
        fprintf(stderr, "usage: fsyncrate DIR STREAMS CYCLES\n");
        return 100;
    }
    dir = argv[1];
    streams = atoi(argv[2]);
    cycles = atol(argv[3]);
    if (streams < 1 || cycles < streams) {
        fprintf(stderr, "fsyncrate: need STREAMS >= 1 and CYCLES >= STREAMS\n");
        return 100;
    }
    per = cycles / streams;
    snprintf(sub, sizeof sub, "%s/tmp", dir);
    if (mkdir(sub, 0700) == -1 && errno != EEXIST) fail("cannot mkdir", sub);
    snprintf(sub, sizeof sub, "%s/new", dir);
    if (mkdir(sub, 0700) == -1 && errno != EEXIST) fail("cannot mkdir", sub);

    t0 = now();
    for (s = 0; s < streams; s++) {
        pid = fork();
        if (pid == -1) fail("cannot fork", "");
        if (pid == 0) {
            stream(dir, s, per);
            _exit(0);
        }
    }
    while (wait(&st) > 0)
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) bad = 1;
    t1 = now();
    cleanup(dir, streams, per);
    if (bad) {
        fprintf(stderr, "fsyncrate: a stream failed\n");
        return 111;
    }
    printf("%d %ld %.3f %.0f\n", streams, per * streams, t1 - t0,
           (per * streams) / (t1 - t0));
    return 0;
}
