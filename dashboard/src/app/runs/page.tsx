import { PageFrame } from "@/components/shell/PageFrame";
import { RunsList } from "@/components/runs/RunsList";

export default function Page() {
  return (
    <PageFrame title="Runs">
      <RunsList />
    </PageFrame>
  );
}
