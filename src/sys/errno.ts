// errno numbers (Linux generic, same on x64 and arm64) and an Error that names them,
// so a failed syscall reads "sendto: ENETUNREACH (101)" instead of a bare number.
/** Declared `as const` so `Errno.EAGIAN` (a typo) fails to compile instead of reading undefined. */
export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, EAGAIN: 11,
  ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, ENOTDIR: 20, EINVAL: 22, ENFILE: 23,
  EMFILE: 24, ENOSPC: 28, EPIPE: 32, ERANGE: 34, ENOSYS: 38, ENODATA: 61, EPROTO: 71, EBADMSG: 74,
  EOVERFLOW: 75, ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104, ENOBUFS: 105,
  EISCONN: 106, ENOTCONN: 107, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, EALREADY: 114,
  EINPROGRESS: 115, ECANCELED: 125,
} as const;

export type ErrnoName = keyof typeof Errno;

export const ERRNO_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(Errno).map(([name, n]) => [n, name]));

export function errnoName(errno: number): string {
  return ERRNO_NAMES[errno] ?? `errno ${errno}`;
}

export class SysError extends Error {
  constructor(readonly op: string, readonly errno: number, detail?: string) {
    super(`${op}${detail ? ` ${detail}` : ""}: ${errnoName(errno)} (${errno})`);
    this.name = "SysError";
  }
  get code(): string {
    return errnoName(this.errno);
  }
}
