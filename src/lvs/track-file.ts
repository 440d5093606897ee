// The file-tracking core of keepalived 2.2.7's track_file (trackers/track_file.c),
// pure, for every tracker of a file: FILE_CHECK on real servers (here) and
// track_file on VRRP instances and sync groups. The adapter that reads and
// watches files is src/sys/track-file-watch.ts.
//
// A file holds a number (read with strtol base 0: decimal, 0x hex or 0 octal,
// after blanks, up to the first non-digit; an empty, missing or unreadable file
// is 0). Whoever tracks it has a weight W and a direction (reverse = -1):
//  - W = 0: a non-zero number is a failure, 0 is fine (reversed: the opposite);
//  - otherwise the status is number * W * direction, clamped to 32 bits.
// What the status means depends on the tracker (trackerStatus below).

/** The number in a track file's first 127 bytes, or undefined when keepalived would ignore the change. */
export function parseTrackFileValue(text: string): number | undefined {
  const s = text.slice(0, 127);
  const m = /^[\t\n\v\f\r ]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(s)!;
  if (m[2] === undefined) return 0;
  const digits = m[2];
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits[0] === "0") v = BigInt(`0o${digits.slice(1)}`);
  else v = BigInt(digits);
  if (m[1] === "-") v = -v;
  // keepalived: "Invalid number ... - ignoring" outside INT32_MIN..INT32_MAX+1 (and strtol's own ERANGE)
  if (v < -(2n ** 31n) || v > 2n ** 31n) return undefined;
  return Number(v);
}

export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

/**
 * The tracker's status for a file value (track_file.c update_track_file_status):
 * "fault" for a failure, else the signed weight offset (clamped to int32).
 */
export function trackStatus(value: number, weight: number, reverse: boolean): number | "fault" {
  if (weight === 0) return (value !== 0) !== reverse ? "fault" : 0;
  const s = value * weight * (reverse ? -1 : 1);
  // keepalived weight_range(): INT_MIN itself is its fault marker
  if (s <= INT32_MIN) return "fault";
  return Math.min(s, INT32_MAX);
}

/** A FILE_CHECK's verdict: down on fault, else up with the offset added to the real server's weight. */
export function fileCheckVerdict(value: number, weight: number, reverse: boolean): { up: boolean; offset: number } {
  const s = trackStatus(value, weight, reverse);
  return s === "fault" ? { up: false, offset: 0 } : { up: true, offset: s };
}

/**
 * For VRRP trackers (track_file.c process_update_vrrp_track_file_status): the
 * status clamped to -254..253, -254 meaning FAULT, else added to the priority.
 */
export function vrrpTrackFileStatus(value: number, weight: number, reverse: boolean): number | "fault" {
  const s = trackStatus(value, weight, reverse);
  if (s === "fault" || s <= -254) return "fault";
  return Math.min(s, 253);
}
