import { RunsList } from "@/components/runs/RunsList";

export default function Page() {
  return <RunsList />;
}
