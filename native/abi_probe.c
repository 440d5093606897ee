// ABI probe: prints, as JSON, the sizes, field offsets and constants that
// src/sys/abi.ts declares for bun:ffi. Compiled from the real C headers of the
// build host (or a cross sysroot), so test/unit/sys/abi.test.ts can prove the
// TypeScript numbers right instead of trusting them.
// The name lists mirror src/sys/abi.ts; the test fails if either side has a name
// the other lacks, so keep them in step.
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <time.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/genetlink.h>
#include <linux/filter.h>

static int first;
static void key(const char *k) { printf("%s\n    \"%s\": ", first ? "" : ",", k); first = 0; }
static void section(const char *name) { printf("%s\n  \"%s\": {", first < 0 ? "" : "\n  },", name); first = 1; }

#define C(name) (key(#name), printf("%lld", (long long)(name)))
/* NLA_TYPE_MASK is ~(flags) as int; nla_type is a __u16, so print it as one. */
#define C16(name) (key(#name), printf("%u", (unsigned)(unsigned short)(name)))
/* EPOLLET is 1u << 31: print it unsigned. */
#define CU(name) (key(#name), printf("%u", (unsigned)(name)))
#define S(type) (key(#type), printf("%zu", sizeof(struct type)))
#define O(type, field) (key(#type "." #field), printf("%zu", offsetof(struct type, field)))

int main(void) {
  printf("{");
  first = -1;
  section("const");
  C(AF_UNSPEC);
  C(AF_INET);
  C(AF_INET6);
  C(AF_NETLINK);
  C(AF_PACKET);
  C(SOCK_STREAM);
  C(SOCK_DGRAM);
  C(SOCK_RAW);
  C(SOCK_NONBLOCK);
  C(SOCK_CLOEXEC);
  C(IPPROTO_IP);
  C(IPPROTO_ICMP);
  C(IPPROTO_TCP);
  C(IPPROTO_UDP);
  C(IPPROTO_IPV6);
  C(IPPROTO_ICMPV6);
  C(IPPROTO_RAW);
  C(SOL_SOCKET);
  C(SOL_IP);
  C(SOL_IPV6);
  C(SOL_PACKET);
  C(SOL_NETLINK);
  C(SO_REUSEADDR);
  C(SO_SNDBUF);
  C(SO_RCVBUF);
  C(SO_BINDTODEVICE);
  C(SO_ATTACH_FILTER);
  C(SO_RCVTIMEO);
  C(SO_SNDTIMEO);
  C(SO_RCVBUFFORCE);
  C(IP_TTL);
  C(IP_HDRINCL);
  C(IP_PKTINFO);
  C(IP_MULTICAST_IF);
  C(IP_MULTICAST_TTL);
  C(IP_MULTICAST_LOOP);
  C(IP_ADD_MEMBERSHIP);
  C(IP_DROP_MEMBERSHIP);
  C(IPV6_CHECKSUM);
  C(IPV6_UNICAST_HOPS);
  C(IPV6_MULTICAST_IF);
  C(IPV6_MULTICAST_HOPS);
  C(IPV6_MULTICAST_LOOP);
  C(IPV6_JOIN_GROUP);
  C(IPV6_LEAVE_GROUP);
  C(IPV6_RECVPKTINFO);
  C(IPV6_PKTINFO);
  C(IPV6_RECVHOPLIMIT);
  C(IPV6_HOPLIMIT);
  C(ETH_P_ALL);
  C(ETH_P_IP);
  C(ETH_P_ARP);
  C(ETH_P_IPV6);
  C(ARPHRD_ETHER);
  C(MSG_PEEK);
  C(MSG_TRUNC);
  C(MSG_DONTWAIT);
  C(POLLIN);
  C(POLLPRI);
  C(POLLOUT);
  C(POLLERR);
  C(POLLHUP);
  C(POLLNVAL);
  C(F_GETFL);
  C(F_SETFL);
  C(O_NONBLOCK);
  C(O_CLOEXEC);
  C(O_RDONLY);
  C(O_WRONLY);
  C(O_TRUNC);
  C(FIONREAD);
  C(CLOCK_REALTIME);
  C(CLOCK_MONOTONIC);
  C(TIMER_ABSTIME);
  C(SCHED_OTHER);
  C(SCHED_FIFO);
  C(SCHED_RR);
  C(SCHED_RESET_ON_FORK);
  C(CLONE_NEWNET);
  C(NETLINK_ROUTE);
  C(NETLINK_GENERIC);
  C(NETLINK_ADD_MEMBERSHIP);
  C(NETLINK_DROP_MEMBERSHIP);
  C(NETLINK_CAP_ACK);
  C(NETLINK_EXT_ACK);
  C(NETLINK_GET_STRICT_CHK);
  C(NLMSG_NOOP);
  C(NLMSG_ERROR);
  C(NLMSG_DONE);
  C(NLMSG_OVERRUN);
  C(NLM_F_REQUEST);
  C(NLM_F_MULTI);
  C(NLM_F_ACK);
  C(NLM_F_ECHO);
  C(NLM_F_DUMP_INTR);
  C(NLM_F_ROOT);
  C(NLM_F_MATCH);
  C(NLM_F_DUMP);
  C(NLM_F_REPLACE);
  C(NLM_F_EXCL);
  C(NLM_F_CREATE);
  C(NLM_F_APPEND);
  C(NLM_F_CAPPED);
  C(NLM_F_ACK_TLVS);
  C(NLMSGERR_ATTR_MSG);
  C(NLMSGERR_ATTR_OFFS);
  C(NLMSGERR_ATTR_COOKIE);
  C(NLA_F_NESTED);
  C(NLA_F_NET_BYTEORDER);
  C16(NLA_TYPE_MASK);
  C(RTM_NEWLINK);
  C(RTM_DELLINK);
  C(RTM_GETLINK);
  C(RTM_SETLINK);
  C(RTM_NEWADDR);
  C(RTM_DELADDR);
  C(RTM_GETADDR);
  C(RTM_NEWROUTE);
  C(RTM_DELROUTE);
  C(RTNLGRP_LINK);
  C(RTNLGRP_IPV4_IFADDR);
  C(RTNLGRP_IPV6_IFADDR);
  C(RT_SCOPE_UNIVERSE);
  C(RT_SCOPE_SITE);
  C(RT_SCOPE_LINK);
  C(RT_SCOPE_HOST);
  C(RT_SCOPE_NOWHERE);
  C(IFA_UNSPEC);
  C(IFA_ADDRESS);
  C(IFA_LOCAL);
  C(IFA_LABEL);
  C(IFA_BROADCAST);
  C(IFA_ANYCAST);
  C(IFA_CACHEINFO);
  C(IFA_MULTICAST);
  C(IFA_FLAGS);
  C(IFA_F_SECONDARY);
  C(IFA_F_NODAD);
  C(IFA_F_OPTIMISTIC);
  C(IFA_F_DADFAILED);
  C(IFA_F_HOMEADDRESS);
  C(IFA_F_DEPRECATED);
  C(IFA_F_TENTATIVE);
  C(IFA_F_PERMANENT);
  C(IFA_F_MANAGETEMPADDR);
  C(IFA_F_NOPREFIXROUTE);
  C(IFA_F_MCAUTOJOIN);
  C(IFA_F_STABLE_PRIVACY);
  C(IFLA_UNSPEC);
  C(IFLA_ADDRESS);
  C(IFLA_BROADCAST);
  C(IFLA_IFNAME);
  C(IFLA_MTU);
  C(IFLA_LINK);
  C(IFLA_MASTER);
  C(IFLA_OPERSTATE);
  C(IFLA_LINKINFO);
  C(IFLA_IFALIAS);
  C(IFLA_EXT_MASK);
  C(IFLA_INFO_KIND);
  C(IFLA_INFO_DATA);
  C(IFLA_MACVLAN_MODE);
  C(IFLA_MACVLAN_FLAGS);
  C(MACVLAN_MODE_PRIVATE);
  C(MACVLAN_MODE_VEPA);
  C(MACVLAN_MODE_BRIDGE);
  C(MACVLAN_MODE_PASSTHRU);
  C(IFLA_IPVLAN_MODE);
  C(IFLA_IPVLAN_FLAGS);
  C(IPVLAN_MODE_L2);
  C(IPVLAN_F_PRIVATE);
  C(IPVLAN_F_VEPA);
  C(IFF_UP);
  C(IFF_BROADCAST);
  C(IFF_LOOPBACK);
  C(IFF_POINTOPOINT);
  C(IFF_RUNNING);
  C(IFF_NOARP);
  C(IFF_PROMISC);
  C(IFF_MULTICAST);
  C(IFF_LOWER_UP);
  C(GENL_ID_CTRL);
  C(CTRL_CMD_GETFAMILY);
  C(CTRL_ATTR_FAMILY_ID);
  C(CTRL_ATTR_FAMILY_NAME);
  C(CTRL_ATTR_VERSION);
  C(CTRL_ATTR_HDRSIZE);
  C(CTRL_ATTR_MAXATTR);
  C(CTRL_ATTR_MCAST_GROUPS);
  C(CTRL_ATTR_MCAST_GRP_NAME);
  C(CTRL_ATTR_MCAST_GRP_ID);
  C(SO_ERROR);
  C(MSG_NOSIGNAL);
  C(EPOLL_CLOEXEC);
  C(EPOLL_CTL_ADD);
  C(EPOLL_CTL_DEL);
  C(EPOLL_CTL_MOD);
  C(EPOLLIN);
  C(EPOLLOUT);
  C(EPOLLERR);
  C(EPOLLHUP);
  C(EPOLLRDHUP);
  CU(EPOLLET);
  section("sizeof");
  S(sockaddr_in);
  S(sockaddr_in6);
  S(sockaddr_ll);
  S(sockaddr_nl);
  S(nlmsghdr);
  S(nlattr);
  S(nlmsgerr);
  S(ifaddrmsg);
  S(ifinfomsg);
  S(ifa_cacheinfo);
  S(genlmsghdr);
  S(msghdr);
  S(iovec);
  S(cmsghdr);
  S(in_pktinfo);
  S(in6_pktinfo);
  S(ip_mreqn);
  S(ipv6_mreq);
  S(timespec);
  S(timeval);
  S(sched_param);
  S(pollfd);
  S(sock_filter);
  S(sock_fprog);
  section("offsetof");
  O(sockaddr_in, sin_family);
  O(sockaddr_in, sin_port);
  O(sockaddr_in, sin_addr);
  O(sockaddr_in6, sin6_family);
  O(sockaddr_in6, sin6_port);
  O(sockaddr_in6, sin6_flowinfo);
  O(sockaddr_in6, sin6_addr);
  O(sockaddr_in6, sin6_scope_id);
  O(sockaddr_ll, sll_family);
  O(sockaddr_ll, sll_protocol);
  O(sockaddr_ll, sll_ifindex);
  O(sockaddr_ll, sll_hatype);
  O(sockaddr_ll, sll_pkttype);
  O(sockaddr_ll, sll_halen);
  O(sockaddr_ll, sll_addr);
  O(sockaddr_nl, nl_family);
  O(sockaddr_nl, nl_pid);
  O(sockaddr_nl, nl_groups);
  O(nlmsghdr, nlmsg_len);
  O(nlmsghdr, nlmsg_type);
  O(nlmsghdr, nlmsg_flags);
  O(nlmsghdr, nlmsg_seq);
  O(nlmsghdr, nlmsg_pid);
  O(nlattr, nla_len);
  O(nlattr, nla_type);
  O(nlmsgerr, error);
  O(nlmsgerr, msg);
  O(ifaddrmsg, ifa_family);
  O(ifaddrmsg, ifa_prefixlen);
  O(ifaddrmsg, ifa_flags);
  O(ifaddrmsg, ifa_scope);
  O(ifaddrmsg, ifa_index);
  O(ifinfomsg, ifi_family);
  O(ifinfomsg, ifi_type);
  O(ifinfomsg, ifi_index);
  O(ifinfomsg, ifi_flags);
  O(ifinfomsg, ifi_change);
  O(ifa_cacheinfo, ifa_prefered);
  O(ifa_cacheinfo, ifa_valid);
  O(ifa_cacheinfo, cstamp);
  O(ifa_cacheinfo, tstamp);
  O(genlmsghdr, cmd);
  O(genlmsghdr, version);
  O(genlmsghdr, reserved);
  O(msghdr, msg_name);
  O(msghdr, msg_namelen);
  O(msghdr, msg_iov);
  O(msghdr, msg_iovlen);
  O(msghdr, msg_control);
  O(msghdr, msg_controllen);
  O(msghdr, msg_flags);
  O(iovec, iov_base);
  O(iovec, iov_len);
  O(cmsghdr, cmsg_len);
  O(cmsghdr, cmsg_level);
  O(cmsghdr, cmsg_type);
  O(in_pktinfo, ipi_ifindex);
  O(in_pktinfo, ipi_spec_dst);
  O(in_pktinfo, ipi_addr);
  O(in6_pktinfo, ipi6_addr);
  O(in6_pktinfo, ipi6_ifindex);
  O(ip_mreqn, imr_multiaddr);
  O(ip_mreqn, imr_address);
  O(ip_mreqn, imr_ifindex);
  O(ipv6_mreq, ipv6mr_multiaddr);
  O(ipv6_mreq, ipv6mr_interface);
  O(timespec, tv_sec);
  O(timespec, tv_nsec);
  O(timeval, tv_sec);
  O(timeval, tv_usec);
  O(sched_param, sched_priority);
  O(pollfd, fd);
  O(pollfd, events);
  O(pollfd, revents);
  O(sock_filter, code);
  O(sock_filter, jt);
  O(sock_filter, jf);
  O(sock_filter, k);
  O(sock_fprog, len);
  O(sock_fprog, filter);
  /* the one struct whose layout differs between x86_64 (packed) and arm64 */
  section("epoll_event");
  key("size"), printf("%zu", sizeof(struct epoll_event));
  key("data"), printf("%zu", offsetof(struct epoll_event, data));
  printf("\n  }\n}\n");
  return 0;
}
