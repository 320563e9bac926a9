/**
 * The sparse indexes the hourly planner reads: customer ids whose occasion falls on a local date
 * (partition) and whose zone's UTC offset (minutes, sort key) is within an inclusive range.
 */
export interface DueCustomers {
  byBirthday(monthDay: string, lowOffset: number, highOffset: number): Promise<string[]>;
  byNextOrder(date: string, lowOffset: number, highOffset: number): Promise<string[]>;
  /** People whose most recent order was on a local date (`YYYY-MM-DD`): the post-purchase survey. */
  byLastOrder(date: string, lowOffset: number, highOffset: number): Promise<string[]>;
}
