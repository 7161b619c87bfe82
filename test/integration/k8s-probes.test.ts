import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderChart } from "@studio/infra/helm";
import { startApi } from "../support/processes.js";

/**
 * The Kubernetes chart's API probes (infra/helm/rare-studio) hit real endpoints: each probe the chart
 * renders is sent, as the kubelet would, to a real API process, and answers with a success status.
 */
type HttpGet = { path: string; port: string; httpHeaders?: { name: string; value: string }[] };

describe("the chart's API probes answer on a real API", () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let probes: Record<string, HttpGet>;

  beforeAll(async () => {
    const objs = await renderChart();
    const deployment = objs.find((o) => o.kind === "Deployment" && o.metadata.name.endsWith("-api")) as any;
    const c = deployment.spec.template.spec.containers[0];
    probes = { liveness: c.livenessProbe.httpGet, readiness: c.readinessProbe.httpGet, startup: c.startupProbe.httpGet };
    api = await startApi();
  }, 600_000);
  afterAll(async () => {
    await api?.proc.stop();
  });

  const send = (p: HttpGet, headers = true) =>
    fetch(`http://127.0.0.1:${api.port}${p.path}`, {
      headers: headers ? Object.fromEntries((p.httpHeaders ?? []).map((h) => [h.name, h.value])) : {},
    });

  it.each(["liveness", "readiness", "startup"])("%s probe succeeds (2xx)", async (name) => {
    const p = probes[name]!;
    expect(p.port).toBe("http");
    const res = await send(p);
    expect(res.status).toBe(200);
  });

  it("the readiness probe runs the GraphQL health query; without its header Apollo refuses it", async () => {
    const res = await send(probes.readiness!);
    const body = (await res.json()) as { data?: { health?: { status: string } } };
    expect(["OK", "DOWN", "UNKNOWN"]).toContain(body.data?.health?.status);
    const bare = await send(probes.readiness!, false);
    expect(bare.status).toBeGreaterThanOrEqual(400); // CSRF prevention: the probe's header matters
  });
});
