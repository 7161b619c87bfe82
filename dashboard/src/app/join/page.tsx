import { JoinForm } from "@/components/team/JoinForm";

export default function Page() {
  return <JoinForm />;
}
