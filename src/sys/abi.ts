// The single home of every kernel/libc number the FFI code relies on (Linux, LP64:
// x86_64 and arm64 share all of these). native/abi_probe.c prints the same names
// from the real C headers and test/unit/sys/abi.test.ts compares them one by one,
// so a wrong number here fails a test instead of corrupting a syscall.
// Other src/sys modules import from here; never repeat a literal elsewhere.
// Adding a constant or struct? Add the matching C(...)/S(...)/O(...) line to
// native/abi_probe.c, or list it in NOT_IN_HEADERS if no header defines it.

// ---- address families, socket types ----
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

// ---- protocols ----
export const IPPROTO_IP = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_RAW = 255;
/** IANA protocol number of VRRP (RFC 5798 §5.1.1.4); glibc headers do not name it, so the probe cannot check it. */
export const IPPROTO_VRRP = 112;

// ---- socket option levels ----
export const SOL_SOCKET = 1;
export const SOL_IP = 0;
export const SOL_IPV6 = 41;
export const SOL_PACKET = 263;
export const SOL_NETLINK = 270;

// ---- SOL_SOCKET options ----
export const SO_REUSEADDR = 2;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_BINDTODEVICE = 25;
export const SO_ATTACH_FILTER = 26;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const SO_RCVBUFFORCE = 33;
export const SO_ERROR = 4;

// ---- IPPROTO_IP options ----
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_PKTINFO = 8;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;

// ---- IPPROTO_IPV6 options ----
export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_JOIN_GROUP = 20;
export const IPV6_LEAVE_GROUP = 21;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_PKTINFO = 50;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_HOPLIMIT = 52;

// ---- ethernet ----
export const ETH_P_ALL = 0x0003;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ARPHRD_ETHER = 1;

// ---- send/recv flags, poll, fcntl ----
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;
export const POLLIN = 0x1;
export const POLLPRI = 0x2;
export const POLLOUT = 0x4;
export const POLLERR = 0x8;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

// ---- epoll ----
export const EPOLL_CLOEXEC = 0o2000000;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLL_CTL_MOD = 3;
export const EPOLLIN = 0x1;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDHUP = 0x2000;
export const EPOLLET = 0x80000000;
/**
 * struct epoll_event is the one layout the two targets do not share: glibc
 * packs it on x86_64 (12 bytes, data at 4) and aligns it naturally on arm64
 * (16 bytes, data at 8). The probe prints it for each target.
 */
export const EPOLL_EVENT = {
  x64: { size: 12, data: 4 },
  arm64: { size: 16, data: 8 },
} as const;
export const EPOLL_EVENT_LAYOUT = process.arch === "arm64" ? EPOLL_EVENT.arm64 : EPOLL_EVENT.x64;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;
/** open(2) access modes and flags (asm-generic/fcntl.h, the same on x64 and arm64) */
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_TRUNC = 0o1000;
/** open(2): the descriptor is not inherited across exec (same value on x64 and arm64) */
export const O_CLOEXEC = 0o2000000;
/** ioctl(2): bytes waiting to be read (asm-generic/ioctls.h, the same on x64 and arm64) */
export const FIONREAD = 0x541b;

// ---- clocks, scheduling ----
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const TIMER_ABSTIME = 1;
export const SCHED_OTHER = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
/** OR'ed into a policy: threads (and processes) the caller creates start SCHED_OTHER */
export const SCHED_RESET_ON_FORK = 0x40000000;
/** setns(2) namespace type */
export const CLONE_NEWNET = 0x40000000;

// ---- netlink (linux/netlink.h) ----
export const NETLINK_ROUTE = 0;
export const NETLINK_GENERIC = 16;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLMSG_OVERRUN = 4;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_ECHO = 0x8;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;

export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
export const NLA_TYPE_MASK = 0x3fff;

// ---- rtnetlink (linux/rtnetlink.h) ----
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;

export const RTNLGRP_LINK = 1;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV6_IFADDR = 9;

export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_SITE = 200;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;

// ---- addresses (linux/if_addr.h) ----
export const IFA_UNSPEC = 0;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_ANYCAST = 5;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;

export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_OPTIMISTIC = 0x04;
export const IFA_F_DADFAILED = 0x08;
export const IFA_F_HOMEADDRESS = 0x10;
export const IFA_F_DEPRECATED = 0x20;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;
export const IFA_F_MANAGETEMPADDR = 0x100;
export const IFA_F_NOPREFIXROUTE = 0x200;
export const IFA_F_MCAUTOJOIN = 0x400;
export const IFA_F_STABLE_PRIVACY = 0x800;
/** ifa_cacheinfo lifetime meaning "forever": kernel-internal (net/addrconf.h), not uapi, so the probe cannot print it. */
export const INFINITY_LIFE_TIME = 0xffffffff;

// ---- links (linux/if_link.h, net/if.h) ----
export const IFLA_UNSPEC = 0;
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_MASTER = 10;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_IFALIAS = 20;
export const IFLA_EXT_MASK = 29;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
// linux/if_link.h: IFLA_IPVLAN_* inside IFLA_INFO_DATA (both u16), IPVLAN_MODE_* and IPVLAN_F_*
export const IFLA_IPVLAN_MODE = 1;
export const IFLA_IPVLAN_FLAGS = 2;
export const IPVLAN_MODE_L2 = 0;
export const IPVLAN_F_PRIVATE = 0x01;
export const IPVLAN_F_VEPA = 0x02;

export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

// ---- generic netlink (linux/genetlink.h) ----
export const GENL_ID_CTRL = 16;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

// ---- struct sizes (bytes) ----
export const SIZEOF = {
  sockaddr_in: 16,
  sockaddr_in6: 28,
  sockaddr_ll: 20,
  sockaddr_nl: 12,
  nlmsghdr: 16,
  nlattr: 4,
  nlmsgerr: 20,
  ifaddrmsg: 8,
  ifinfomsg: 16,
  ifa_cacheinfo: 16,
  genlmsghdr: 4,
  msghdr: 56,
  iovec: 16,
  cmsghdr: 16,
  in_pktinfo: 12,
  in6_pktinfo: 20,
  ip_mreqn: 12,
  ipv6_mreq: 20,
  timespec: 16,
  timeval: 16,
  sched_param: 4,
  pollfd: 8,
  sock_filter: 8,
  sock_fprog: 16,
} as const;

// ---- field offsets (bytes) ----
export const OFFSETOF = {
  sockaddr_in: { sin_family: 0, sin_port: 2, sin_addr: 4 },
  sockaddr_in6: { sin6_family: 0, sin6_port: 2, sin6_flowinfo: 4, sin6_addr: 8, sin6_scope_id: 24 },
  sockaddr_ll: { sll_family: 0, sll_protocol: 2, sll_ifindex: 4, sll_hatype: 8, sll_pkttype: 10, sll_halen: 11, sll_addr: 12 },
  sockaddr_nl: { nl_family: 0, nl_pid: 4, nl_groups: 8 },
  nlmsghdr: { nlmsg_len: 0, nlmsg_type: 4, nlmsg_flags: 6, nlmsg_seq: 8, nlmsg_pid: 12 },
  nlattr: { nla_len: 0, nla_type: 2 },
  nlmsgerr: { error: 0, msg: 4 },
  ifaddrmsg: { ifa_family: 0, ifa_prefixlen: 1, ifa_flags: 2, ifa_scope: 3, ifa_index: 4 },
  ifinfomsg: { ifi_family: 0, ifi_type: 2, ifi_index: 4, ifi_flags: 8, ifi_change: 12 },
  ifa_cacheinfo: { ifa_prefered: 0, ifa_valid: 4, cstamp: 8, tstamp: 12 },
  genlmsghdr: { cmd: 0, version: 1, reserved: 2 },
  msghdr: { msg_name: 0, msg_namelen: 8, msg_iov: 16, msg_iovlen: 24, msg_control: 32, msg_controllen: 40, msg_flags: 48 },
  iovec: { iov_base: 0, iov_len: 8 },
  cmsghdr: { cmsg_len: 0, cmsg_level: 8, cmsg_type: 12 },
  in_pktinfo: { ipi_ifindex: 0, ipi_spec_dst: 4, ipi_addr: 8 },
  in6_pktinfo: { ipi6_addr: 0, ipi6_ifindex: 16 },
  ip_mreqn: { imr_multiaddr: 0, imr_address: 4, imr_ifindex: 8 },
  ipv6_mreq: { ipv6mr_multiaddr: 0, ipv6mr_interface: 16 },
  timespec: { tv_sec: 0, tv_nsec: 8 },
  timeval: { tv_sec: 0, tv_usec: 8 },
  sched_param: { sched_priority: 0 },
  pollfd: { fd: 0, events: 4, revents: 6 },
  sock_filter: { code: 0, jt: 2, jf: 3, k: 4 },
  sock_fprog: { len: 0, filter: 8 },
} as const;

/** Constants that come from an RFC/IANA registry rather than a C header: the probe cannot print them. */
export const NOT_IN_HEADERS: readonly string[] = ["IPPROTO_VRRP", "INFINITY_LIFE_TIME"];
