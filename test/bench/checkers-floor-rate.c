// The C floor of checkers.bench.ts at the target's shape: RATE connect + GET + read +
// close exchanges per second with 127.0.0.1:PORT, launched in batches every GRAIN ms
// (vigil's runner wakes on a 20 ms grid), blocking epoll_wait between, for SECS s.
// No checker logic: what the kernel alone charges a client at this rate.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
static const char req[] = "GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:80\r\n\r\n";
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
int main(int argc, char **argv) {
  int port = atoi(argv[1]), rate = atoi(argv[2]), grain = atoi(argv[3]), secs = atoi(argv[4]);
  int per = rate * grain / 1000;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  static char sent[65536]; char buf[4096];
  long done = 0, fail = 0;
  double start = now_ms(), next = start; int open = 0;
  struct rusage r0, r1; getrusage(RUSAGE_SELF, &r0);
  while (now_ms() - start < secs * 1000.0 || open > 0) {
    double t = now_ms();
    if (t >= next && t - start < secs * 1000.0) {
      for (int i = 0; i < per; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        connect(fd, (void*)&a, sizeof a); sent[fd] = 0;
        struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.fd = fd };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e); open++;
      }
      next += grain;
    }
    int wait = (int)(next - now_ms()); if (wait < 0) wait = 0;
    struct epoll_event ev[128];
    int n = epoll_wait(ep, ev, 128, wait);
    for (int k = 0; k < n; k++) {
      int fd = ev[k].data.fd; unsigned e = ev[k].events;
      if (e & EPOLLERR) { close(fd); open--; fail++; continue; }
      if (!sent[fd] && (e & EPOLLOUT)) { send(fd, req, sizeof req - 1, MSG_NOSIGNAL); sent[fd] = 1; }
      if (sent[fd] && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) { recv(fd, buf, sizeof buf, 0); close(fd); open--; done++; }
    }
  }
  getrusage(RUSAGE_SELF, &r1);
  double u = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e6 + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec);
  double s = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
  printf("{\"exchanges\":%ld,\"failed\":%ld,\"usPerExchange\":%.2f,\"userUs\":%.2f,\"sysUs\":%.2f}\n",
    done, fail, (u + s) / done, u / done, s / done);
  return 0;
}
