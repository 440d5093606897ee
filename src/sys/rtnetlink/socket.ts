// NETLINK_ROUTE sockets: one for requests, optionally opened inside a named netns.
import { NETLINK_ROUTE } from "../abi.ts";
import { inNetns } from "../netlink/netns.ts";
import { NetlinkSocket, type NetlinkSocketOptions } from "../netlink/socket.ts";

export function openRtnetlink(opts: NetlinkSocketOptions & { netns?: string } = {}): NetlinkSocket {
  const open = () => new NetlinkSocket(NETLINK_ROUTE, opts);
  return opts.netns ? inNetns(opts.netns, open) : open();
}
