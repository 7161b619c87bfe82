import { EvaluationDetail } from "@/components/evaluation/EvaluationDetail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <EvaluationDetail evaluationId={id} />;
}
