// Protocol timer formulas. All values in milliseconds (fractions allowed): the
// daemon turns them into absolute CLOCK_MONOTONIC deadlines.

/** RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256. */
export function skewTimeV3(priority: number, masterAdverIntMs: number): number {
  return ((256 - priority) * masterAdverIntMs) / 256;
}

/**
 * RFC 5798 §6.1: Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time.
 * keepalived down_timer_adverts replaces the 3 (vrrp.h VRRP_MS_DOWN_TIMER:
 * down_timer_adverts * master_adver_int + VRRP_TIMER_SKEW).
 */
export function masterDownIntervalV3(priority: number, masterAdverIntMs: number, adverts = 3): number {
  return adverts * masterAdverIntMs + skewTimeV3(priority, masterAdverIntMs);
}

/** RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds (independent of the interval). */
export function skewTimeV2(priority: number): number {
  return ((256 - priority) * 1000) / 256;
}

/** RFC 3768 §6.1: Master_Down_Interval = (3 * Advertisement_Interval) + Skew_Time (the 3: down_timer_adverts as above). */
export function masterDownIntervalV2(priority: number, advertIntMs: number, adverts = 3): number {
  return adverts * advertIntMs + skewTimeV2(priority);
}

export function skewTime(version: 2 | 3, priority: number, masterAdverIntMs: number): number {
  return version === 3 ? skewTimeV3(priority, masterAdverIntMs) : skewTimeV2(priority);
}

export function masterDownInterval(version: 2 | 3, priority: number, masterAdverIntMs: number, adverts = 3): number {
  return version === 3 ? masterDownIntervalV3(priority, masterAdverIntMs, adverts) : masterDownIntervalV2(priority, masterAdverIntMs, adverts);
}
