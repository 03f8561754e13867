import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { randomUUID } from "node:crypto";
import { profile, profileIdentifier } from "./src/schema/index.ts";
import * as schema from "./src/schema/index.ts";
const client = new PGlite(process.env.DIR ?? "memory://", { extensions: { pg_trgm } });
const db = drizzle(client, { schema, casing: "snake_case" });
await migrate(drizzle(client, { schema }), { migrationsFolder: "drizzle" });
const N = 20000, B = Number(process.argv[2] ?? 1000);
const mk = (i: number) => {
  const id = randomUUID();
  const data = { pii: { firstname: "John" + i, lastname: "Smith" + (i % 977), display_name: null, birthday: "1980-01-01T00:00:00.000Z", language: { native: "en", spoken: ["en"] }, gender: "male", education: { level: null }, civil: { status: null }, attributes: { height: null, weight: null, shoe_number: null } },
    contact: { email: { main: `john${i}@example.com`, private: null, business: null }, phone: { main: "+1555" + String(i).padStart(7, "0"), business: null, mobile: null, whatsapp: null }, app: { whatsapp: null, discord: null, slack: null, twitter: null, telegram: null, wechat: null, viber: null, signal: null, other: {} }, address: { town: "Springfield", county: "IL", country: "US", postcode: "12345", street: "1 Main St", other: null }, confirmations: [] },
    identifier: { id: null, pk: null, badge: null, passport: null, credit_card: null, token: null, coupons: [] }, devices: { push: [], other: [], last: { geo: { country: { name: null, code: null }, county: null, city: null, latitude: null, longitude: null, postal: null } } },
    media: { image: null, webpage: null, social: { twitter: null, facebook: null, youtube: null, instagram: null, tiktok: null, linkedin: null, reddit: null, other: {} } }, preferences: { purchases: [], colors: [], sizes: [], boughtProducts: [], other: [] },
    job: { position: null, salary: null, type: null, department: null, company: { name: null, size: null, segment: null, country: null } }, loyalty: { codes: [], card: { id: null, name: null, issuer: null, expires: null, points: null } }, metrics: { ltv: 0, ltcosc: 0, ltcocc: 0, ltcop: 0, ltcosv: 0, ltcocv: 0, next: null, custom: {} }, anonymous: false };
  const t = new Date(Date.now() - i * 1000).toISOString();
  return { id, primaryId: null, ids: [], insertedAt: t, createdAt: t, updatedAt: t, visitLast: t, visitCurrent: t, visitCount: 3, visitTz: "Europe/Warsaw",
    metadata: { aux: {}, status: null, fields: { "data.pii.firstname": [t, "seed"] }, system: { integrations: {}, aux: {} } }, stats: { visits: 3, views: 10, counters: { purchases: 1 } }, traits: { plan: "pro", newsletter: true }, interests: { books: 2 }, consents: {}, segments: [], aux: {}, data };
};
const t0 = performance.now();
let gen = 0;
for (let s = 0; s < N; s += B) {
  const g0 = performance.now();
  const rows = Array.from({ length: B }, (_, k) => mk(s + k));
  gen += performance.now() - g0;
  await db.transaction(async (tx) => {
    const ins = await tx.insert(profile).values(rows).onConflictDoNothing().returning({ id: profile.id });
    const idents = rows.flatMap((r) => [{ type: "id" as const, value: r.id, profileId: r.id }, { type: "email" as const, value: (r.data.contact.email.main), profileId: r.id }, { type: "phone" as const, value: r.data.contact.phone.main, profileId: r.id }]);
    await tx.insert(profileIdentifier).values(idents).onConflictDoNothing();
  });
}
const total = performance.now() - t0;
console.log({ B, N, totalMs: Math.round(total), genMs: Math.round(gen), perSec: Math.round(N / (total / 1000)) });
