import type { Metadata } from "next";
import type { ReactNode } from "react";
import { dashboardConfig } from "@/lib/config";
import { SessionProvider } from "@/lib/session";
import "./globals.css";

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
