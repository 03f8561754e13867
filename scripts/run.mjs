#!/usr/bin/env node
// The README's two commands, runnable on a machine that has only Node and npm:
//   npm start  → install, migrate, seed demo data once, build and serve the console
//   npm test   → install, then every suite (unit, integration, e2e)
// Uses only Node built-ins: nothing is installed yet when it starts.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PNPM_VERSION = "12.4.2";
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const command = process.argv[2];
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", TURBO_TELEMETRY_DISABLED: "1" };

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`\n✖ ${cmd} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

function pnpmVersion() {
  const r = spawnSync("pnpm", ["--version"], { encoding: "utf8", env });
  return r.status === 0 ? r.stdout.trim() : null;
}

function ensurePnpm() {
  if (pnpmVersion() === PNPM_VERSION) return;
  // corepack cannot verify pnpm from this registry; a global npm install can.
  console.log(`→ installing pnpm ${PNPM_VERSION}`);
  run("npm", ["install", "--global", `pnpm@${PNPM_VERSION}`]);
}

function ensureDependencies() {
  const marker = path.join(root, "node_modules", ".modules.yaml");
  const lock = path.join(root, "pnpm-lock.yaml");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log("→ installing dependencies from the lockfile");
  run("pnpm", ["install", "--frozen-lockfile"]);
}

ensurePnpm();
ensureDependencies();

if (command === "start") {
  const port = env.PORT ?? "3000";
  const count = env.SEED_COUNT ?? "10000";
  console.log("→ applying migrations");
  run("pnpm", ["--filter", "@cdp/db", "db:migrate"]);
  console.log(`→ seeding ${count} demo profiles (only into an empty database)`);
  run("pnpm", ["--filter", "@cdp/db", "db:seed", "--count", count, "--if-empty"]);
  run("pnpm", ["--filter", "@cdp/auth", "admin:create", "--demo"]);
  console.log("→ building the console");
  run("pnpm", ["turbo", "run", "build", "--filter", "@cdp/console", "--output-logs=errors-only"]);
  const where = env.DATABASE_URL ? "PostgreSQL at DATABASE_URL" : "the embedded database in .data/pglite";
  // Sign-in accepts its own origin only: the address printed below unless one is configured.
  const url = env.BETTER_AUTH_URL ?? `http://localhost:${port}`;
  console.log(`\n✔ Console on ${url} (${where})`);
  console.log("  Demo login: admin@example.com / demo-admin-password (created on first start only)\n");
  run("pnpm", ["--filter", "@cdp/console", "start"], {
    env: { ...env, PORT: port, BETTER_AUTH_URL: url },
  });
} else if (command === "test") {
  run("pnpm", ["turbo", "run", "test", "--concurrency=1"]);
  run("pnpm", ["turbo", "run", "build", "--filter", "@cdp/console", "--output-logs=errors-only"]);
  run("pnpm", ["--filter", "@cdp/console", "test:e2e"]);
} else {
  console.error("usage: node scripts/run.mjs start|test");
  process.exit(2);
}
