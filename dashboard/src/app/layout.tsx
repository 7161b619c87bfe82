import type { Metadata } from "next";
import type { ReactNode } from "react";
import { dashboardConfig } from "@/lib/config";
import { SessionProvider } from "@/lib/session";
// Global styles, one file per area of the app, in cascade order (later files override earlier ones).
import "@/styles/00-base.css";
import "@/styles/01-shell.css";
import "@/styles/02-run.css";
import "@/styles/03-subjects.css";
import "@/styles/04-playground.css";
import "@/styles/05-evaluation.css";
import "@/styles/06-team.css";
import "@/styles/07-routes.css";
import "@/styles/08-phases.css";
import "@/styles/09-charts.css";
import "@/styles/10-phone.css";
import "@/styles/11-frame.css";

// Read the API address at request time, so one build works against any API.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Rare Studio",
  description: "Personalize text-to-image diffusion models with a few photos.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const config = dashboardConfig();
  return (
    <html lang="en">
      <body>
        <SessionProvider apiUrl={config.DASHBOARD_API_URL} wsUrl={config.wsUrl}>
          {children}
        </SessionProvider>
      </body>
    </html>
  );
}
