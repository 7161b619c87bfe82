import { PageFrame } from "@/components/shell/PageFrame";
import { NewRunForm } from "@/components/runs/NewRunForm";

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  return (
    <PageFrame title="New run">
      <NewRunForm initialSubjectId={typeof sp.subject === "string" ? sp.subject : undefined} />
    </PageFrame>
  );
}
