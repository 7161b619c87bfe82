import { LinkView } from "@/components/link/LinkView";

export default async function Page({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return <LinkView token={decodeURIComponent(token)} />;
}
