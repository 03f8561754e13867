import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { auditLog } from "../schema";
import { createTestDatabase, testTargets } from "../testing";
import type { TestDatabase } from "../testing";
import { insertAudit } from "./audit";
import { findValues, redactValues } from "./privacy";

describe.each(testTargets())("redacting values on %s", (target) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(target);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("keeps a jsonb document valid where the value stands as a number or a key", async () => {
    // The fuzz found it: a person's text equal to a number stored elsewhere in the same document
    // was replaced inside the JSON text, outside any quotes, which PostgreSQL then refused.
    const secret = "-889582647";
    await insertAudit(t.db, [
      {
        actorType: "system",
        actorId: "test",
        actorName: "test",
        action: "profile.update",
        entity: "profile",
        entityId: "p-redact",
        changes: [
          { path: "stats.counters.n", before: null, after: -889582647 },
          {
            path: "data.pii.firstname",
            before: `${secret} is me`,
            after: { [secret]: 1, keep: 2 },
          },
        ],
        reason: null,
        requestId: null,
      },
    ]);
    const changed = await redactValues(t.db, {
      values: [secret],
      columns: [{ table: "audit_log", column: "changes", type: "jsonb" }],
    });
    expect(changed).toBe(1);
    const [row] = await t.db.select().from(auditLog).where(eq(auditLog.entityId, "p-redact"));
    expect(row?.changes).toEqual([
      { path: "stats.counters.n", before: null, after: "[erased]" },
      { path: "data.pii.firstname", before: "[erased] is me", after: { "[erased]": 1, keep: 2 } },
    ]);
    expect(await findValues(t.db, [secret])).toEqual([]);
  });
});
