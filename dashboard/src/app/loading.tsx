/** Shown while a route's server part renders (client navigation keeps the top bar). */
export default function Loading() {
  return (
    <p className="skeleton" role="status" data-testid="route-loading">
      Loading…
    </p>
  );
}
