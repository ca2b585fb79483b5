/*
 * mm-bench: run a command several times and print its best wall time, the
 * real-time factor for a given length of audio, and its peak resident
 * memory (from wait4's rusage, so no external tool is needed). Each run
 * starts after sync(): the commands make their outputs durable (fsync before
 * the rename), and without it a run would also wait for what earlier
 * commands (the material's generation, a release's FLACs) left to write.
 *
 *   mm-bench LABEL AUDIO_SECONDS RUNS -- COMMAND [ARGS...]
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: mm-bench LABEL AUDIO_SECONDS RUNS -- COMMAND [ARGS...]\n");
        return 2;
    }
    const char *label = argv[1];
    double audio = atof(argv[2]);
    int runs = atoi(argv[3]);
    if (runs < 1) runs = 1;
    double best = 1e30;
    long rss_kb = 0;
    for (int r = 0; r < runs; r++) {
        sync();
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) {
            perror("mm-bench: fork");
            return 3;
        }
        if (pid == 0) {
            int null = open("/dev/null", 1);
            if (null >= 0) dup2(null, 1);
            execvp(argv[5], argv + 5);
            perror("mm-bench: exec");
            _exit(127);
        }
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) < 0) {
            perror("mm-bench: wait4");
            return 3;
        }
        double t = now() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "mm-bench: %s: the command failed (status %d)\n", label, st);
            return 3;
        }
        if (t < best) best = t;
        if (ru.ru_maxrss > rss_kb) rss_kb = ru.ru_maxrss;
    }
    printf("%-44s %8.3f s  %8.0fx real time  peak RSS %6.1f MB\n", label, best, audio / best,
           (double)rss_kb / 1024.0);
    return 0;
}
