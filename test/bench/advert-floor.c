// advert-floor: the physical floor of advert timing on this host (issue 14, item 1).
// Sends the VRRPv3 IPv4 advert vigil sends (RFC 5798 §5.1/§5.2: 224.0.0.18, TTL 255,
// TOS 0xc0, DF clear; version 3 type 1, one IPv4 address, checksum over the IPv4
// pseudo-header, §5.2.8) from a raw IPPROTO_VRRP socket bound to the interface, on
// absolute CLOCK_MONOTONIC deadlines (clock_nanosleep TIMER_ABSTIME: no drift, no
// relative-timeout slack), as SCHED_FIFO, with all memory locked (mlockall) and the
// stack prefaulted. Nothing else runs in the process: what the wire shows beyond
// this program's figures is the host's, not a VRRP implementation's.
//
//   advert-floor IFACE SRC VRID PRIORITY INTERVAL_MS VIP SECONDS [FIFO_PRIO]
//
// Runs SECONDS (bounded: 1..7200) then prints "sent N errors E" and exits 0.
// FIFO_PRIO 0 leaves the default scheduler (SCHED_OTHER).
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IPPROTO_VRRP 112

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void prefault_stack(void) {
  volatile uint8_t buf[64 * 1024];
  for (size_t i = 0; i < sizeof buf; i += 4096) buf[i] = 0;
}

static int die(const char *what) {
  fprintf(stderr, "advert-floor: %s: %s\n", what, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 8) {
    fprintf(stderr, "usage: advert-floor IFACE SRC VRID PRIORITY INTERVAL_MS VIP SECONDS [FIFO_PRIO]\n");
    return 2;
  }
  const char *iface = argv[1];
  struct in_addr src, vip, group;
  int vrid = atoi(argv[3]), prio = atoi(argv[4]), interval_ms = atoi(argv[5]), seconds = atoi(argv[7]);
  int fifo = argc > 8 ? atoi(argv[8]) : 10;
  if (inet_pton(AF_INET, argv[2], &src) != 1 || inet_pton(AF_INET, argv[6], &vip) != 1) { fprintf(stderr, "advert-floor: bad address\n"); return 2; }
  if (vrid < 1 || vrid > 255 || prio < 1 || prio > 255 || interval_ms < 10 || interval_ms > 40950 || interval_ms % 10 ||
      seconds < 1 || seconds > 7200 || fifo < 0 || fifo > 99) {
    fprintf(stderr, "advert-floor: VRID 1..255, PRIORITY 1..255, INTERVAL_MS 10..40950 in steps of 10, SECONDS 1..7200, FIFO_PRIO 0..99\n");
    return 2;
  }
  inet_pton(AF_INET, "224.0.0.18", &group);

  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_VRRP);
  if (fd < 0) return die("socket");
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, iface, (socklen_t)strlen(iface)) < 0) return die("SO_BINDTODEVICE");
  int tos = 0xc0, ttl = 255, zero = 0, pmtu = IP_PMTUDISC_DONT;
  if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos) < 0) return die("IP_TOS");
  if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) < 0) return die("IP_MTU_DISCOVER");
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) < 0) return die("IP_MULTICAST_TTL");
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof zero) < 0) return die("IP_MULTICAST_LOOP");
  struct ip_mreqn mreq = {.imr_address = src, .imr_ifindex = (int)if_nametoindex(iface)};
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) < 0) return die("IP_MULTICAST_IF");

  // RFC 5798 §5.2: version 3, type 1 (ADVERTISEMENT), VRID, priority, count 1,
  // 4 reserved bits + 12-bit Max Advertise Interval in centiseconds, checksum, address.
  uint8_t pkt[12];
  int centis = interval_ms / 10;
  pkt[0] = 0x31; pkt[1] = (uint8_t)vrid; pkt[2] = (uint8_t)prio; pkt[3] = 1;
  pkt[4] = (uint8_t)((centis >> 8) & 0x0f); pkt[5] = (uint8_t)(centis & 0xff);
  pkt[6] = pkt[7] = 0;
  memcpy(pkt + 8, &vip, 4);
  // §5.2.8: the checksum covers the IPv4 pseudo-header (RFC 1071 sum) in version 3
  uint8_t pseudo[12];
  memcpy(pseudo, &src, 4); memcpy(pseudo + 4, &group, 4);
  pseudo[8] = 0; pseudo[9] = IPPROTO_VRRP; pseudo[10] = 0; pseudo[11] = sizeof pkt;
  uint32_t sum = 0;
  for (int i = 0; i < 12; i += 2) sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
  uint16_t c = csum(pkt, sizeof pkt, sum);
  pkt[6] = (uint8_t)(c >> 8); pkt[7] = (uint8_t)c;
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = group};

  if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) return die("mlockall");
  prefault_stack();
  if (fifo > 0) {
    struct sched_param sp = {.sched_priority = fifo};
    if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) return die("sched_setscheduler(SCHED_FIFO)");
  }

  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  long long n = (long long)seconds * 1000 / interval_ms, sent = 0, errors = 0;
  for (long long i = 0; i < n; i++) {
    if (sendto(fd, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)sizeof pkt) sent++;
    else errors++;
    next.tv_nsec += (long)interval_ms * 1000000L;
    while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {}
  }
  printf("sent %lld errors %lld\n", sent, errors);
  return 0;
}
