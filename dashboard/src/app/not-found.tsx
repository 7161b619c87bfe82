import Link from "next/link";

/** Any address the dashboard does not have. */
export default function NotFound() {
  return (
    <section className="panel" data-testid="page-not-found">
      <h1>Page not found</h1>
      <p className="subtle">There is no page at this address.</p>
      <p>
        <Link href="/runs">All runs</Link> · <Link href="/subjects">Subjects</Link>
      </p>
    </section>
  );
}
