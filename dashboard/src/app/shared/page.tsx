import { SharedWithMe } from "@/components/sharing/SharedWithMe";

export default function Page() {
  return <SharedWithMe />;
}
