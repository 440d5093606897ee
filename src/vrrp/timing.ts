// Protocol timer formulas. All values in milliseconds (fractions allowed): the
// daemon turns them into absolute CLOCK_MONOTONIC deadlines.

/** RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256. */
export function skewTimeV3(priority: number, masterAdverIntMs: number): number {
  return ((256 - priority) * masterAdverIntMs) / 256;
}

/** RFC 5798 §6.1: Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time. */
export function masterDownIntervalV3(priority: number, masterAdverIntMs: number): number {
  return 3 * masterAdverIntMs + skewTimeV3(priority, masterAdverIntMs);
}

/** RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds (independent of the interval). */
export function skewTimeV2(priority: number): number {
  return ((256 - priority) * 1000) / 256;
}

/** RFC 3768 §6.1: Master_Down_Interval = (3 * Advertisement_Interval) + Skew_Time. */
export function masterDownIntervalV2(priority: number, advertIntMs: number): number {
  return 3 * advertIntMs + skewTimeV2(priority);
}

export function skewTime(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return version === 3 ? skewTimeV3(priority, masterAdverIntMs) : skewTimeV2(priority);
}

export function masterDownInterval(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return version === 3 ? masterDownIntervalV3(priority, masterAdverIntMs) : masterDownIntervalV2(priority, masterAdverIntMs);
}
