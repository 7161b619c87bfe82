import type { CodegenConfig } from "@graphql-codegen/cli";

// The client's types come from the API's SDL (the contract) and the operations in src/operations. Output is committed.
const config: CodegenConfig = {
  schema: "../api/schema/*.graphql",
  documents: "src/operations/*.ts",
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations"],
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: "string", JSON: "unknown" } },
    },
  },
};
export default config;
