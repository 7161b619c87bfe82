import { CheckpointExtras } from "@/components/modelcard/CheckpointExtras";
import { Playground } from "@/components/playground/Playground";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <>
      <Playground checkpointId={id} />
      <CheckpointExtras checkpointId={id} />
    </>
  );
}
