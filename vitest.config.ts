// Test configuration: tests run against each package's sources (no build needed),
// "@knot/<pkg>" is mapped to packages/<pkg>/src/index.ts.
import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: {
    alias: [{ find: /^@knot\/([\w-]+)$/, replacement: `${root}packages/$1/src/index.ts` }],
  },
  test: {
    include: ["packages/*/src/**/*.test.ts", "tools/*/src/**/*.test.ts", "tests/**/*.test.ts"],
    environment: "node",
    testTimeout: 60000,
  },
});
