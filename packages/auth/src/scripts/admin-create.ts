import { parseArgs } from "node:util";
import { openDatabase } from "@cdp/db";

import { createAuth } from "../auth";
import { isStaffRole, staffRoles } from "../roles";
import { createStaffUser, DEMO_ADMIN, ensureDemoAdmin } from "../staff";

const usage = `pnpm admin:create --email <email> --password <password> [--name <name>] [--role admin]
pnpm admin:create --demo     create ${DEMO_ADMIN.email} when there is no staff account yet`;

async function main() {
  const { values } = parseArgs({
    options: {
      email: { type: "string" },
      password: { type: "string" },
      name: { type: "string" },
      role: { type: "string", default: "admin" },
      demo: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const handle = await openDatabase();
  try {
    const auth = createAuth({ db: handle.db });
    if (values.demo) {
      const created = await ensureDemoAdmin(auth, handle.db);
      console.log(
        created
          ? `demo admin created: ${DEMO_ADMIN.email} / ${DEMO_ADMIN.password}`
          : "staff accounts already exist: no demo admin created",
      );
      return;
    }
    if (!values.email || !values.password) throw new Error(`--email and --password are required\n${usage}`);
    if (!isStaffRole(values.role)) throw new Error(`--role must be one of ${staffRoles.join(", ")}`);
    if (values.password.length < 10) throw new Error("--password needs at least 10 characters");
    const user = await createStaffUser(auth, {
      email: values.email,
      password: values.password,
      name: values.name ?? values.email.split("@")[0] ?? values.email,
      role: values.role,
    });
    console.log(`created ${user.role} ${user.email} (${user.id})`);
  } finally {
    await handle.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
