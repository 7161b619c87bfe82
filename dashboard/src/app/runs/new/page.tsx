import { NewRunForm } from "@/components/runs/NewRunForm";

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  return <NewRunForm initialSubjectId={typeof sp.subject === "string" ? sp.subject : undefined} />;
}
