// errno numbers (Linux generic, same on x64 and arm64) and an Error that names them,
// so a failed syscall reads "sendto: ENETUNREACH (101)" instead of a bare number.
export const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF",
  11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 16: "EBUSY", 17: "EEXIST", 19: "ENODEV",
  20: "ENOTDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 28: "ENOSPC", 32: "EPIPE", 34: "ERANGE",
  38: "ENOSYS", 61: "ENODATA", 71: "EPROTO", 74: "EBADMSG", 75: "EOVERFLOW", 88: "ENOTSOCK",
  89: "EDESTADDRREQ", 90: "EMSGSIZE", 91: "EPROTOTYPE", 92: "ENOPROTOOPT", 93: "EPROTONOSUPPORT",
  94: "ESOCKTNOSUPPORT", 95: "EOPNOTSUPP", 97: "EAFNOSUPPORT", 98: "EADDRINUSE", 99: "EADDRNOTAVAIL",
  100: "ENETDOWN", 101: "ENETUNREACH", 103: "ECONNABORTED", 104: "ECONNRESET", 105: "ENOBUFS",
  106: "EISCONN", 107: "ENOTCONN", 110: "ETIMEDOUT", 111: "ECONNREFUSED", 113: "EHOSTUNREACH",
  114: "EALREADY", 115: "EINPROGRESS", 125: "ECANCELED",
};

export const Errno = Object.fromEntries(Object.entries(ERRNO_NAMES).map(([n, name]) => [name, Number(n)])) as Record<string, number>;

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
