import { PageFrame } from "@/components/shell/PageFrame";
import { SubjectsPage } from "@/components/subjects/SubjectsPage";

export default function Page() {
  return (
    <PageFrame title="Subjects" panels={["New subject"]}>
      <SubjectsPage />
    </PageFrame>
  );
}
