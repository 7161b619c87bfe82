import type { CodegenConfig } from "@graphql-codegen/cli";

// The dashboard imports only types generated from api/schema (docs/architecture.md §3). Output is committed.
const config: CodegenConfig = {
  schema: "../api/schema/*.graphql",
  documents: "src/graphql/*.ts",
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations"],
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: "string", JSON: "unknown" } },
    },
  },
};
export default config;
