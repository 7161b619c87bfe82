import { HealthPanel } from "@/components/HealthPanel";
import { dashboardConfig } from "@/lib/config";

// Read the API address at request time, so one build works against any API.
export const dynamic = "force-dynamic";

export default function HealthPage() {
  const config = dashboardConfig();
  return (
    <>
      <h1>System health</h1>
      <p className="subtle">
        PostgreSQL, object storage and the training engine, as the API at <code>{config.DASHBOARD_API_URL}</code> sees them.
      </p>
      <HealthPanel apiUrl={config.DASHBOARD_API_URL} />
    </>
  );
}
