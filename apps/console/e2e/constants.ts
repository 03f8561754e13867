/** Shared by playwright.config.ts, the server script's environment and the tests. */
/** Where the e2e server listens; E2E_PORT lets two runs share the machine. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
/** How many profiles e2e/serve.sh seeds into its throwaway database, and with which seed. */
export const E2E_SEED_COUNT = 300;
export const E2E_SEED = 7;
/** Rows per page the console is started with (CONSOLE_PAGE_SIZE). */
export const E2E_PAGE_SIZE = 50;
/** Where the tests reach the console; also its BETTER_AUTH_URL (sign-in checks the origin). */
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
