import { generateProfiles } from "./src/seed/generate.ts";
let t = performance.now();
for (let s = 0; s < 50000; s += 1000) generateProfiles({ seed: 42, start: s, count: 1000, now: "2025-06-01T12:00:00.000Z" });
console.log("batched 50k", Math.round(performance.now() - t));
