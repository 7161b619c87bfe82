import { PageFrame } from "@/components/shell/PageFrame";
import { CheckpointExtras } from "@/components/modelcard/CheckpointExtras";
import { Playground } from "@/components/playground/Playground";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <PageFrame title="Playground" panels={["Generations", "Model card", "Export"]}>
      <Playground checkpointId={id} />
      <CheckpointExtras checkpointId={id} />
    </PageFrame>
  );
}
