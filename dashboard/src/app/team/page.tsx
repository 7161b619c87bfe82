import { PageFrame } from "@/components/shell/PageFrame";
import { TeamPage } from "@/components/team/TeamPage";

export default function Page() {
  return (
    <PageFrame title="Team" panels={["Members", "API keys", "Invitations", "Access log"]}>
      <TeamPage />
    </PageFrame>
  );
}
