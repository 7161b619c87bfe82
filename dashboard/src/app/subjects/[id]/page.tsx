import { SubjectDetail } from "@/components/subjects/SubjectDetail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <SubjectDetail subjectId={id} />;
}
