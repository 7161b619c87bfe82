"use client";

import { useSession } from "@/lib/session";
import { ExportPanel } from "./ExportPanel";
import { ModelCardPanel } from "./ModelCardPanel";

/** Below the playground on the checkpoint page: the model card and exports, with the signed-in key. */
export function CheckpointExtras({ checkpointId }: { checkpointId: string }) {
  const session = useSession();
  return (
    <div className="stack checkpoint-extras">
      <ModelCardPanel checkpointId={checkpointId} api={session} />
      <ExportPanel checkpointId={checkpointId} />
    </div>
  );
}
