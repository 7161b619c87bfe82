// ESLint for every TypeScript/JavaScript file in the workspace (`pnpm lint`; `./studio test` fails on a violation).
// typescript-eslint's recommended rules without type information (fast: no program is built; `tsc` does the type checks),
// plus the React hooks rules for the dashboard. Formatting is Prettier's job, not ESLint's.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    // The same files .prettierignore leaves out: generated code, build outputs, data, reference material.
    ignores: [
      "**/node_modules/**",
      "**/src/generated/**",
      "trainer/src/engine/events.generated.ts",
      "**/dist/**",
      "**/.next/**",
      "**/next-env.d.ts",
      "**/.data/**",
      "test/artifacts/**",
      "shared/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // A leading underscore marks a deliberately unused binding: a rest-destructure that drops a key
      // (`const { http: _http, ...rest } = e`), or a parameter an interface requires.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts"],
    rules: {
      // Tests read untyped GraphQL/JSON responses; a wrong shape fails the assertion that reads it.
      "@typescript-eslint/no-explicit-any": "off",
      // Stub event streams are async generators that fail before their first yield.
      "require-yield": "off",
    },
  },
  {
    files: ["dashboard/src/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    // The rules of hooks and complete effect dependencies. Not the plugin's React Compiler rules
    // (set-state-in-effect, refs, purity): the dashboard is not compiled by it, and they flag its
    // deliberate patterns (state reset when a prop changes, refs that remember when a phase was first seen).
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "error" },
  },
);
