// Netlink replies as the kernel writes them, for the batch scanner's unit and fuzz tests.
const NLMSG_ERROR = 2, NLMSG_DONE = 3, NLM_F_CAPPED = 0x100;

/** An NLMSG_ERROR reply as the kernel sends it with NETLINK_CAP_ACK: errno + the echoed request header. */
export function errorMsg(seq: number, errno: number): Uint8Array {
  const b = new Uint8Array(36);
  const v = new DataView(b.buffer);
  v.setUint32(0, 36, true);
  v.setUint16(4, NLMSG_ERROR, true);
  v.setUint16(6, NLM_F_CAPPED, true);
  v.setUint32(8, seq, true);
  v.setInt32(16, -errno, true);
  v.setUint32(20, 16, true); // echoed nlmsg_len
  v.setUint32(28, seq, true);
  return b;
}
export function doneMsg(seq: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint32(0, 20, true);
  v.setUint16(4, NLMSG_DONE, true);
  v.setUint32(8, seq, true);
  return b;
}
export const cat = (...xs: Uint8Array[]) => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of xs) { out.set(x, o); o += x.length; }
  return out;
};
