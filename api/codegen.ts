import type { CodegenConfig } from "@graphql-codegen/cli";

// Typed resolvers from the SDL in schema/ (the contract). Output is committed; `pnpm codegen` refreshes it.
const config: CodegenConfig = {
  schema: "schema/*.graphql",
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript", "typescript-resolvers"],
      config: {
        useTypeImports: true,
        contextType: "../context.js#ApiContext",
        scalars: { DateTime: "Date | string", JSON: "unknown" },
        mappers: {},
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
      },
    },
  },
};
export default config;
