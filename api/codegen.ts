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
        mappers: {
          Viewer: "../models.js#ViewerModel",
          Team: "../models.js#TeamModel",
          User: "../models.js#UserModel",
          ApiKey: "../models.js#ApiKeyModel",
          CreatedApiKey: "../models.js#CreatedApiKeyModel",
          Subject: "../models.js#SubjectModel",
          SubjectImage: "../models.js#SubjectImageModel",
          Run: "../models.js#RunModel",
          Sample: "../models.js#SampleModel",
          Checkpoint: "../models.js#CheckpointModel",
          CheckpointFile: "../models.js#CheckpointFileModel",
          Generation: "../models.js#GenerationModel",
          GeneratedImage: "../models.js#GeneratedImageModel",
          RunStateChanged: "../models.js#RunEventModel",
          StageStarted: "../models.js#RunEventModel",
          LossLogged: "../models.js#RunEventModel",
          SampleSaved: "../models.js#RunEventModel",
          CheckpointSaved: "../models.js#RunEventModel",
          EvaluationUpdated: "../models.js#RunEventModel",
          Evaluation: "../models.js#EvaluationModel",
          EvaluationImage: "../models.js#EvaluationImageModel",
          Recommendation: "../models.js#RecommendationModel",
          ScoreSet: "../models.js#ScoreSetModel",
          CompareRow: "../models.js#CompareRowModel",
        },
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false },
      },
    },
  },
};
export default config;
