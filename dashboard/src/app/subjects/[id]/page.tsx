import { PageFrame } from "@/components/shell/PageFrame";
import { SubjectDetail } from "@/components/subjects/SubjectDetail";

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <PageFrame title="Subject" panels={["Photos", "Upload photos", "Runs"]}>
      <SubjectDetail subjectId={id} />
    </PageFrame>
  );
}
