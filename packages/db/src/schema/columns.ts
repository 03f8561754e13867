import { timestamp } from "drizzle-orm/pg-core";

/** timestamptz(6) read as a string, so microseconds survive (Date would drop them). */
export const tstz = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "string", precision: 6 });
