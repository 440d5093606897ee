// Addresses of the end-to-end IPVS lab (198.18.0.0/15 only).
//   segment 198.18.10.0/24: director (VM) .1, client .100, rs1 .11, rs2 .12, sorry .13
//   segment 198.18.20.0/24 on the same bridge: director .1, client .100
// NAT VIP 198.18.20.200: real servers route back through the director, whose
// address on their segment is their default gateway, while the client reaches the
// VIP from the other subnet, so replies must be de-NATed on the director.
// DR VIP 198.18.10.201: on the director's eth0 and on each real server's lo
// (arp_ignore=1, arp_announce=2), replies go straight to the client.
export const DIRECTOR = "198.18.10.1";
export const DIRECTOR2 = "198.18.20.1";
export const CLIENT = "198.18.10.100";
export const CLIENT2 = "198.18.20.100";
export const RS1 = "198.18.10.11";
export const RS2 = "198.18.10.12";
export const SORRY = "198.18.10.13";
export const VIP_NAT = "198.18.20.200";
export const VIP_DR = "198.18.10.201";

