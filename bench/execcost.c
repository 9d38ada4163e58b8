/* execcost: the cost of starting a program, as kirim pays it per message.
 * usage: execcost N PROG [ARG...]
 * Runs PROG N times, one after the other (fork, execv, waitpid), with
 * the caller's fds, and prints the mean wall time of one run in
 * microseconds, and the CPU time (user + system) of one run's child. PROG
 * should exit at once (e.g. a usage error), so that the figure is the
 * process start, the dynamic loader and the exit.
 * Build: cc -O2 -o execcost bench/execcost.c */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
    struct timespec a, b;
    struct rusage ru;
    long i, n;
    int st;
    pid_t p;

    if (argc < 3 || (n = atol(argv[1])) <= 0) {
        fprintf(stderr, "usage: execcost N PROG [ARG...]\n");
        return 100;
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (i = 0; i < n; ++i) {
        p = fork();
        if (p == -1) { perror("execcost: fork"); return 111; }
        if (p == 0) { execv(argv[2], argv + 2); _exit(127); }
        if (waitpid(p, &st, 0) == -1) { perror("execcost: waitpid"); return 111; }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            fprintf(stderr, "execcost: cannot run %s\n", argv[2]);
            return 111;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (getrusage(RUSAGE_CHILDREN, &ru) == -1) { perror("execcost: getrusage"); return 111; }
    printf("%s: %.1f us per start, %.1f us CPU in the child\n", argv[2],
           ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n,
           ((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6
            + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / (double)n);
    return 0;
}
