"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";

export interface KnownTeam {
  id: string;
  name: string;
}

const NAV: { href: string; label: string }[] = [
  { href: "/runs", label: "Runs" },
  { href: "/subjects", label: "Subjects" },
  { href: "/runs/new", label: "New run" },
  { href: "/shared", label: "Shared with us" },
  { href: "/team", label: "Team" },
  { href: "/health", label: "Health" },
];

/** The link that is the current page: the longest nav prefix of the path ("/runs/new" beats "/runs"). */
function currentHref(path: string): string | null {
  const hits = NAV.filter((n) => path === n.href || path.startsWith(`${n.href}/`)).sort((a, b) => b.href.length - a.href.length);
  return hits[0]?.href ?? null;
}

/**
 * The top bar: client-side links (next/link: no document request, the key is not checked again), and on a
 * phone (≤ 760 px) a "Menu" button that shows the links and the team controls as one column.
 */
export function AppHeader({
  teams,
  teamId,
  teamName,
  title,
  onSwitchTeam,
  onAddTeam,
  onSignOut,
}: {
  teams: KnownTeam[];
  teamId: string | null;
  teamName: string | null;
  title?: string | undefined;
  onSwitchTeam: (id: string) => void;
  onAddTeam: () => void;
  onSignOut: () => void;
}) {
  const path = usePathname() ?? "";
  const [open, setOpen] = useState(false);
  // A followed link closes the phone menu.
  useEffect(() => setOpen(false), [path]);
  const current = currentHref(path);
  return (
    <header className="topbar" data-menu-open={open}>
      <Link href="/runs" className="brand" aria-label="Rare Studio home">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>{" "}
        Rare Studio
      </Link>
      <button type="button" className="btn btn-small menu-button" aria-expanded={open} aria-controls="main-menu" onClick={() => setOpen((o) => !o)} data-testid="menu-button">
        Menu
      </button>
      <div className="menu" id="main-menu">
        <nav aria-label="Main" className="nav">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} aria-current={current === n.href ? "page" : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="who">
          {teamId && (
            <>
              {teams.length > 1 ? (
                <label>
                  <span className="sr-only">Team</span>
                  <select value={teamId} onChange={(e) => onSwitchTeam(e.target.value)}>
                    {teams.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.name}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
              <span data-testid="team-name" className={teams.length > 1 ? "sr-only" : undefined} title={title}>
                {teamName}
              </span>
              <button type="button" className="btn btn-small" onClick={onAddTeam} title="Sign in with a key of another team">
                Add team
              </button>
              <button type="button" className="btn btn-small" onClick={onSignOut}>
                Sign out
              </button>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

/** The frame of a share-link page: the product name only — no app navigation for an anonymous visitor. */
export function LinkHeader() {
  return (
    <header className="topbar topbar-minimal" data-testid="link-header">
      <span className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>{" "}
        Rare Studio
      </span>
      <span className="subtle">a shared run</span>
    </header>
  );
}
