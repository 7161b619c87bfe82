import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Rare Studio",
  description: "Personalize text-to-image diffusion models with a few photos.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <a href="/" className="brand" aria-label="Rare Studio home">
            <span className="brand-mark" aria-hidden="true">◆</span> Rare Studio
          </a>
        </header>
        <main className="page">{children}</main>
      </body>
    </html>
  );
}
