import { SubjectsPage } from "@/components/subjects/SubjectsPage";

export default function Page() {
  return <SubjectsPage />;
}
