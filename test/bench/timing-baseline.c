/* Platform floor for the timing benchmark: the same 10 ms absolute-deadline loop
 * (clock_nanosleep TIMER_ABSTIME on CLOCK_MONOTONIC) in plain C, so the Bun Worker's
 * figures can be read against what this host's scheduler allows at all.
 * Usage: timing-baseline TICKS [fifo-priority]; prints p50/p99/max wake lateness (µs) as JSON. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  int prio = argc > 2 ? atoi(argv[2]) : 0;
  if (n < 1 || n > 1000000) return 2;
  double *late = malloc(sizeof(double) * (size_t)n);
  if (!late) return 2;
  if (prio > 0) {
    struct sched_param p = { .sched_priority = prio };
    if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) { perror("sched_setscheduler"); return 1; }
  }
  struct timespec due, now;
  clock_gettime(CLOCK_MONOTONIC, &due);
  for (int i = 0; i < n; i++) {
    due.tv_nsec += 10000000;
    if (due.tv_nsec >= 1000000000) { due.tv_nsec -= 1000000000; due.tv_sec++; }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) != 0) {}
    clock_gettime(CLOCK_MONOTONIC, &now);
    late[i] = (double)(now.tv_sec - due.tv_sec) * 1e6 + (double)(now.tv_nsec - due.tv_nsec) / 1e3;
  }
  qsort(late, (size_t)n, sizeof(double), cmp);
  printf("{\"p50us\":%.1f,\"p99us\":%.1f,\"maxUs\":%.1f}\n", late[n / 2], late[(n * 99) / 100], late[n - 1]);
  free(late);
  return 0;
}
