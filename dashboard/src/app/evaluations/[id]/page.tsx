import { PageFrame } from "@/components/shell/PageFrame";
import { EvaluationDetail } from "@/components/evaluation/EvaluationDetail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <PageFrame title="Evaluation" panels={["Per prompt", "Scored with"]}>
      <EvaluationDetail evaluationId={id} />
    </PageFrame>
  );
}
