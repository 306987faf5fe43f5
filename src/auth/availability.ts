/** Whether an agent takes new conversations now: routing assigns only to `online` agents. */
export const AVAILABILITIES = ['online', 'away', 'offline'] as const;
export type Availability = (typeof AVAILABILITIES)[number];
