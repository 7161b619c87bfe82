import { PageFrame } from "@/components/shell/PageFrame";
import { CompareView } from "@/components/compare/CompareView";

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { runs } = await searchParams;
  const ids = (Array.isArray(runs) ? runs.join(",") : (runs ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <PageFrame title="Compare runs" panels={["Scores", "Loss"]}>
      <CompareView runIds={ids} />
    </PageFrame>
  );
}
