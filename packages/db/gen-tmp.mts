import { generateProfiles, generateProfile } from "./src/seed/generate.ts";
import { Profile } from "@cdp/profile-schema";
import { isDeepStrictEqual } from "node:util";
const now = "2025-06-01T12:00:00.000Z";
let t = performance.now();
const ps = generateProfiles({ seed: 42, count: 100000, now });
console.log("gen 100k ms", Math.round(performance.now() - t));
t = performance.now();
let bad = 0;
for (const p of ps.slice(0, 5000)) { const q = Profile.parse(p); if (!isDeepStrictEqual(q, p)) { if (bad++ < 2) console.log(JSON.stringify(p).slice(0, 3000), "\n---\n", JSON.stringify(q).slice(0,3000)); } }
console.log("parse 5k ms", Math.round(performance.now() - t), "bad", bad);
console.log(JSON.stringify(ps[7], null, 1));
console.log("avg json bytes", Math.round(ps.slice(0,5000).reduce((s,p)=>s+JSON.stringify(p).length,0)/5000));
