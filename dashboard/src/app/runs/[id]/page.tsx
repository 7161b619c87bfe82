import { PageFrame } from "@/components/shell/PageFrame";
import { RunView } from "@/components/run/RunView";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <PageFrame title="Run" panels={["Progress", "Loss", "Samples", "Checkpoints & evaluation"]}>
      <RunView runId={id} />
    </PageFrame>
  );
}
