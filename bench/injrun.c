/* injrun: run an injection program N times, from P parallel injectors, and
 * time it.  usage: injrun [-e ENVFILE] P N MSGFILE PROG [ARG...]
 * Each injector runs PROG sequentially N/P times (the first N%P injectors
 * once more), every time with MSGFILE on fd 0 and, with -e, ENVFILE on
 * fd 1 (mail-queue's envelope), else /dev/null on fd 1.  The clock starts
 * before the first fork and stops when the last PROG has exited.
 * Prints: P N seconds messages_per_second failures
 * Exits 0 if every PROG exited 0, else 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *envfile, *msgfile;
static char **prog;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
redirect(const char *fn, int to)
{
    int fd = open(fn, O_RDONLY);

    if (fd == -1 || dup2(fd, to) == -1) {
        fprintf(stderr, "injrun: cannot open %s: %s\n", fn, strerror(errno));
        _exit(120);
    }
    close(fd);
}

/* one injector: returns the number of failed runs */
static long
injector(long count)
{
    long i, failed = 0;
    int st;
    pid_t pid;

    for (i = 0; i < count; i++) {
        pid = fork();
        if (pid == -1) { failed++; continue; }
        if (pid == 0) {
            redirect(msgfile, 0);
            redirect(envfile ? envfile : "/dev/null", 1);
            execv(prog[0], prog);
            fprintf(stderr, "injrun: cannot run %s: %s\n", prog[0], strerror(errno));
            _exit(127);
        }
        while (waitpid(pid, &st, 0) == -1)
            if (errno != EINTR) { st = -1; break; }
        if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            if (failed < 3)
                fprintf(stderr, "injrun: %s failed (status 0x%x)\n", prog[0], st);
            failed++;
        }
    }
    return failed;
}

int
main(int argc, char **argv)
{
    long n, per, failed = 0;
    int p, w, st;
    double t0, t1;
    pid_t pid;

    if (argc > 2 && strcmp(argv[1], "-e") == 0) {
        envfile = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: injrun [-e ENVFILE] P N MSGFILE PROG [ARG...]\n");
        return 100;
    }
    p = atoi(argv[1]);
    n = atol(argv[2]);
    msgfile = argv[3];
    prog = argv + 4;
    if (p < 1 || n < p) {
        fprintf(stderr, "injrun: need P >= 1 and N >= P\n");
        return 100;
    }
    per = n / p;

    t0 = now();
    for (w = 0; w < p; w++) {
        pid = fork();
        if (pid == -1) {
            fprintf(stderr, "injrun: cannot fork: %s\n", strerror(errno));
            return 111;
        }
        if (pid == 0) {
            long f = injector(per + (w < n % p));
            _exit(f > 255 ? 255 : (int)f);
        }
    }
    while ((pid = wait(&st)) != -1 || errno == EINTR)
        if (pid != -1) failed += WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    t1 = now();
    printf("%d %ld %.3f %.1f %ld\n", p, n, t1 - t0, n / (t1 - t0), failed);
    return failed ? 1 : 0;
}
