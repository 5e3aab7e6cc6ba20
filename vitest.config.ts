import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Seeds fast-check: fixed in `npm test`, random in `npm run fuzz` (test/setup/fast-check-seed.ts).
    setupFiles: ["test/setup/fast-check-seed.ts"],
    // A fuzz run makes many times more cases than `npm test`; its tests may take minutes.
    // Generous limits: a shared 2-core machine can be slow, and a limit that trips under load is a flake.
    testTimeout: process.env.BOT_POLICY_FUZZ === "1" ? 3_600_000 : 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
