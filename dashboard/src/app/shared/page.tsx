import { PageFrame } from "@/components/shell/PageFrame";
import { SharedWithMe } from "@/components/sharing/SharedWithMe";

export default function Page() {
  return (
    <PageFrame title="Shared with us">
      <SharedWithMe />
    </PageFrame>
  );
}
