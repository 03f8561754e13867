import { openDatabase } from "./src/client.ts";
import { seedProfiles } from "./src/seed/run.ts";
const dir = process.argv[2]!; const count = Number(process.argv[3]); const batch = Number(process.argv[4] ?? 1000);
const h = await openDatabase({ dataDir: dir });
let last = performance.now();
const r = await seedProfiles(h.db, { count, seed: 42, batch, onProgress: (p) => { if (p.done % 10000 === 0) { const t = performance.now(); console.log(p.done, Math.round(10000 / ((t - last) / 1000)) + "/s"); last = t; } } });
console.log({ ...r, generateMs: Math.round(r.generateMs), insertMs: Math.round(r.insertMs), totalMs: Math.round(r.totalMs) });
await h.close();
