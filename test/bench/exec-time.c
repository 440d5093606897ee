// exec-time ROUNDS CMD1 [-- CMD2 ...]: whole-process wall time of each command,
// exec to exit (fork, execvp, waitpid; stdout/stderr to /dev/null), the
// commands run round-robin so that every command sees the same host load.
// Prints one line per command: "median p10 p90 fails cpu_median cpu_p10" in ms,
// the cpu figures being the child's user + system time (every thread of it, from
// wait4): on a loaded host the wall time carries other processes' turns, the CPU
// time does not. Used by cold-start.bench.ts; a C launcher adds no JS runtime of
// its own to the figure.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAXCMD 32
#define MAXROUNDS 2000

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: exec-time ROUNDS CMD [-- CMD ...]\n"); return 2; }
  int rounds = atoi(argv[1]);
  if (rounds < 1 || rounds > MAXROUNDS) { fprintf(stderr, "exec-time: ROUNDS must be 1..%d\n", MAXROUNDS); return 2; }
  char **cmd[MAXCMD];
  int ncmd = 0;
  cmd[ncmd++] = argv + 2;
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--") == 0) {
      argv[i] = NULL;
      if (ncmd == MAXCMD) { fprintf(stderr, "exec-time: at most %d commands\n", MAXCMD); return 2; }
      cmd[ncmd++] = argv + i + 1;
    }
  static double t[MAXCMD][MAXROUNDS], cpu[MAXCMD][MAXROUNDS];
  int fails[MAXCMD] = {0};
  for (int r = 0; r < rounds; r++)
    for (int c = 0; c < ncmd; c++) {
      struct timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      pid_t p = fork();
      if (p == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(cmd[c][0], cmd[c]);
        _exit(127);
      }
      int st = 0;
      struct rusage ru;
      wait4(p, &st, 0, &ru);
      cpu[c][r] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
      clock_gettime(CLOCK_MONOTONIC, &b);
      if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) fails[c]++;
      t[c][r] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    }
  for (int c = 0; c < ncmd; c++) {
    qsort(t[c], rounds, sizeof(double), cmp);
    qsort(cpu[c], rounds, sizeof(double), cmp);
    printf("%.3f %.3f %.3f %d %.3f %.3f\n", t[c][rounds / 2], t[c][rounds / 10], t[c][rounds * 9 / 10], fails[c], cpu[c][rounds / 2], cpu[c][rounds / 10]);
  }
  return 0;
}
