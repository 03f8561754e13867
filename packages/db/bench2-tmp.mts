import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { randomUUID } from "node:crypto";
import * as schema from "./src/schema/index.ts";
const mode = process.argv[2] ?? "base";
const client = new PGlite(process.env.DIR ?? "memory://", { extensions: { pg_trgm } });
await migrate(drizzle(client, { schema }), { migrationsFolder: "drizzle" });
if (mode === "notrgm") await client.exec("drop index profile_search_trgm_idx");
if (mode === "noidx") { for (const i of ["profile_search_trgm_idx","profile_ids_gin_idx","profile_inserted_at_idx","profile_updated_at_idx","profile_visit_last_idx","profile_email_idx","profile_phone_idx","profile_lastname_idx","profile_display_name_idx","profile_country_idx","profile_visits_idx","profile_views_idx"]) await client.exec(`drop index ${i}`); }
const N = 20000, B = 1000;
const mk = (i: number) => {
  const id = randomUUID();
  const data = { pii: { firstname: "John" + i, lastname: "Smith" + (i % 977), display_name: null, birthday: "1980-01-01T00:00:00.000Z", language: { native: "en", spoken: ["en"] }, gender: "male", education: { level: null }, civil: { status: null }, attributes: { height: null, weight: null, shoe_number: null } },
    contact: { email: { main: `john${i}@example.com`, private: null, business: null }, phone: { main: "+1555" + String(i).padStart(7, "0"), business: null, mobile: null, whatsapp: null }, app: { whatsapp: null, discord: null, slack: null, twitter: null, telegram: null, wechat: null, viber: null, signal: null, other: {} }, address: { town: "Springfield", county: "IL", country: "US", postcode: "12345", street: "1 Main St", other: null }, confirmations: [] },
    identifier: { id: null, pk: null, badge: null, passport: null, credit_card: null, token: null, coupons: [] }, devices: { push: [], other: [], last: { geo: { country: { name: null, code: null }, county: null, city: null, latitude: null, longitude: null, postal: null } } },
    media: { image: null, webpage: null, social: { twitter: null, facebook: null, youtube: null, instagram: null, tiktok: null, linkedin: null, reddit: null, other: {} } }, preferences: { purchases: [], colors: [], sizes: [], boughtProducts: [], other: [] },
    job: { position: null, salary: null, type: null, department: null, company: { name: null, size: null, segment: null, country: null } }, loyalty: { codes: [], card: { id: null, name: null, issuer: null, expires: null, points: null } }, metrics: { ltv: 0, ltcosc: 0, ltcocc: 0, ltcop: 0, ltcosv: 0, ltcocv: 0, next: null, custom: {} }, anonymous: false };
  const t = new Date(Date.now() - i * 1000).toISOString();
  return { id, primary_id: null, ids: [], inserted_at: t, created_at: t, updated_at: t, visit_last: t, visit_current: t, visit_count: 3, visit_tz: "Europe/Warsaw",
    metadata: { aux: {}, status: null, fields: { "data.pii.firstname": [t, "seed"] }, system: { integrations: {}, aux: {} } }, stats: { visits: 3, views: 10, counters: { purchases: 1 } }, traits: { plan: "pro", newsletter: true }, interests: { books: 2 }, consents: {}, segments: [], aux: {}, data };
};
const t0 = performance.now();
for (let s = 0; s < N; s += B) {
  const rows = Array.from({ length: B }, (_, k) => mk(s + k));
  const idents = rows.flatMap((r) => [{ type: "id", value: r.id, profile_id: r.id }, { type: "email", value: r.data.contact.email.main, profile_id: r.id }, { type: "phone", value: r.data.contact.phone.main, profile_id: r.id }]);
  await client.transaction(async (tx) => {
    await tx.query(`insert into profile (id, primary_id, ids, inserted_at, created_at, updated_at, visit_last, visit_current, visit_count, visit_tz, metadata, stats, traits, interests, consents, segments, aux, data)
      select id, primary_id, ids, inserted_at, created_at, updated_at, visit_last, visit_current, visit_count, visit_tz, metadata, stats, traits, interests, consents, segments, aux, data
      from jsonb_to_recordset($1::jsonb) as x(id text, primary_id text, ids jsonb, inserted_at timestamptz, created_at timestamptz, updated_at timestamptz, visit_last timestamptz, visit_current timestamptz, visit_count int, visit_tz text, metadata jsonb, stats jsonb, traits jsonb, interests jsonb, consents jsonb, segments jsonb, aux jsonb, data jsonb)
      on conflict do nothing returning id`, [JSON.stringify(rows)]);
    await tx.query(`insert into profile_identifier (type, value, profile_id) select type, value, profile_id from jsonb_to_recordset($1::jsonb) as x(type text, value text, profile_id text) on conflict do nothing`, [JSON.stringify(idents)]);
  });
}
const total = performance.now() - t0;
console.log({ mode, N, totalMs: Math.round(total), perSec: Math.round(N / (total / 1000)) });
