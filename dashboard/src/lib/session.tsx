"use client";

import { createClient, type Client } from "graphql-ws";
import { usePathname } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import type { ViewerQuery } from "@/generated/graphql";
import { VIEWER_QUERY } from "@/graphql/viewer";
import { AppHeader, LinkHeader } from "@/components/shell/AppHeader";
import { gqlRequest, GraphQLRequestError } from "./graphql";

/**
 * Where the key lives in the browser: sessionStorage, i.e. this tab only, gone when it closes — never
 * localStorage, which any later script of this origin could read for months (docs/security-privileges.md).
 * A key acts for one team; signing out forgets it.
 */
export const API_KEY_STORAGE = "studio.apiKey";
/** Keys signed in with before, by team, so one browser can switch between a user's teams (a key acts in one team). */
const KNOWN_KEYS_STORAGE = "studio.knownKeys";
type KnownKeys = Record<string, { teamName: string; key: string }>;

function keyStore(): Storage {
  return window.sessionStorage;
}

/** Keys an older dashboard kept in localStorage move to this tab's sessionStorage once, and leave localStorage. */
function migrateLegacyKeys(): void {
  try {
    for (const k of [API_KEY_STORAGE, KNOWN_KEYS_STORAGE]) {
      const v = window.localStorage.getItem(k);
      if (v !== null && keyStore().getItem(k) === null) keyStore().setItem(k, v);
      window.localStorage.removeItem(k);
    }
  } catch {
    /* storage disabled: nothing to move */
  }
}

function readKnown(): KnownKeys {
  try {
    return JSON.parse(keyStore().getItem(KNOWN_KEYS_STORAGE) ?? "{}") as KnownKeys;
  } catch {
    return {};
  }
}
function writeKnown(k: KnownKeys) {
  keyStore().setItem(KNOWN_KEYS_STORAGE, JSON.stringify(k));
}

/** What a page needs to talk to the API with one credential (an API key `sk_…` or a share link `shl_…`). */
export interface ApiClient {
  request<T>(query: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<T>;
  /** A new graphql-ws client for this credential; the caller disposes it. */
  wsClient(options?: { onConnected?: () => void }): Client;
}

export interface Session extends ApiClient {
  apiUrl: string;
  wsUrl: string;
  apiKey: string;
  viewer: ViewerQuery["viewer"];
  /** Other teams this browser tab has a key for (the share dialog offers them by name). */
  otherTeams: { id: string; name: string }[];
  signOut(): void;
}

/**
 * A client that sends `Authorization: Bearer <bearer>` on every request and as graphql-ws
 * `connectionParams`. The session uses it with the signed-in key, the link page with a share-link token.
 */
export function bearerClient(apiUrl: string, wsUrl: string, bearer: string): ApiClient {
  return {
    request: (query, variables = {}, signal) => gqlRequest(apiUrl, query, variables, signal, bearer),
    wsClient: (options) =>
      createClient({
        url: wsUrl,
        connectionParams: { authorization: `Bearer ${bearer}` },
        // Keep trying while the page is open: the run page resubscribes from its last seq on reconnect.
        // Jittered, so the pages an API restart (or a 4290 slow-consumer cut) drops do not come back at once.
        retryAttempts: Number.MAX_SAFE_INTEGER,
        shouldRetry: () => true,
        retryWait: async (n) => new Promise((r) => setTimeout(r, jitteredBackoff(n))),
        lazy: false,
        on: { connected: () => options?.onConnected?.() },
      }),
  };
}

/**
 * The wait before reconnect attempt `n` (0-based): "full jitter" over an exponential ceiling of
 * 1 s · 2^n capped at 10 s, never under 250 ms (docs/live-events.md).
 */
export function jitteredBackoff(n: number): number {
  const ceiling = Math.min(1000 * 2 ** n, 10_000);
  return 250 + Math.random() * (ceiling - 250);
}

/** Remembers a key the way signing in does (current key + known keys by team); the next page load signs in with it. */
export function rememberKey(key: string, team: { id: string; name: string }): void {
  keyStore().setItem(API_KEY_STORAGE, key);
  writeKnown({ ...readKnown(), [team.id]: { teamName: team.name, key } });
}

/** The API's addresses, for pages that need no key (the share-link page, accepting an invitation). */
const ApiConfigContext = createContext<{ apiUrl: string; wsUrl: string } | null>(null);

export function useApiConfig(): { apiUrl: string; wsUrl: string } {
  const c = useContext(ApiConfigContext);
  if (!c) throw new Error("useApiConfig outside SessionProvider");
  return c;
}

/** Pages that need no API key: health, accepting an invitation, and a share link (`/shared/<token>`; `/shared` itself needs a key). */
export function isPublicPath(path: string | null): boolean {
  return path === "/health" || path === "/join" || /^\/shared\/[^/]+$/.test(path ?? "");
}

/** A share-link page (`/shared/<token>`): a minimal frame, no app navigation. */
export function isLinkPath(path: string | null): boolean {
  return /^\/shared\/[^/]+$/.test(path ?? "");
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}

/** The session on a public page (health): null when nobody is signed in. */
export function useOptionalSession(): Session | null {
  return useContext(SessionContext);
}

/** Where the key check of the page load stands: "loading" on the server and until the tab's key is read. */
const KeyCheckContext = createContext<"loading" | "checking" | "done">("loading");

export function useKeyCheck(): "loading" | "checking" | "done" {
  return useContext(KeyCheckContext);
}

type Phase = { kind: "loading" } | { kind: "signedOut"; error?: string } | { kind: "checking" } | { kind: "signedIn"; apiKey: string; viewer: ViewerQuery["viewer"] };

export function SessionProvider({ apiUrl, wsUrl, children }: { apiUrl: string; wsUrl: string; children: ReactNode }) {
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const [known, setKnown] = useState<KnownKeys>({});
  // The health page asks nothing that needs a key; the link and join pages bring their own credential.
  const path = usePathname();
  const isPublic = isPublicPath(path);
  const isLinkPage = isLinkPath(path);

  const signIn = useCallback(
    async (key: string, remembered: boolean) => {
      setPhase({ kind: "checking" });
      try {
        const data = await gqlRequest<ViewerQuery>(apiUrl, VIEWER_QUERY, {}, undefined, key);
        keyStore().setItem(API_KEY_STORAGE, key);
        const known = { ...readKnown(), [data.viewer.team.id]: { teamName: data.viewer.team.name, key } };
        writeKnown(known);
        setKnown(known);
        setPhase({ kind: "signedIn", apiKey: key, viewer: data.viewer });
      } catch (err) {
        const unauth = err instanceof GraphQLRequestError && (err.code === "UNAUTHENTICATED" || err.code === "FORBIDDEN");
        if (unauth) {
          keyStore().removeItem(API_KEY_STORAGE);
          const known = Object.fromEntries(Object.entries(readKnown()).filter(([, v]) => v.key !== key));
          writeKnown(known);
          setKnown(known);
        }
        const msg = unauth ? (remembered ? "Your saved key no longer works. Sign in again." : "That key was not accepted.") : err instanceof Error ? err.message : String(err);
        setPhase({ kind: "signedOut", error: msg });
      }
    },
    [apiUrl],
  );

  useEffect(() => {
    migrateLegacyKeys();
    setKnown(readKnown());
    const key = keyStore().getItem(API_KEY_STORAGE);
    if (key) void signIn(key, true);
    else setPhase({ kind: "signedOut" });
  }, [signIn]);

  const signOut = useCallback(() => {
    const key = keyStore().getItem(API_KEY_STORAGE);
    keyStore().removeItem(API_KEY_STORAGE);
    const rest = Object.fromEntries(Object.entries(readKnown()).filter(([, v]) => v.key !== key));
    writeKnown(rest);
    setKnown(rest);
    setPhase({ kind: "signedOut" });
  }, []);

  const session = useMemo<Session | null>(() => {
    if (phase.kind !== "signedIn") return null;
    const { apiKey, viewer } = phase;
    const otherTeams = Object.entries(known)
      .filter(([id]) => id !== viewer.team.id)
      .map(([id, v]) => ({ id, name: v.teamName }));
    return { apiUrl, wsUrl, apiKey, viewer, otherTeams, ...bearerClient(apiUrl, wsUrl, apiKey), signOut };
  }, [phase, apiUrl, wsUrl, signOut, known]);

  const apiConfig = useMemo(() => ({ apiUrl, wsUrl }), [apiUrl, wsUrl]);

  return (
    <ApiConfigContext.Provider value={apiConfig}>
      {isLinkPage ? (
        <LinkHeader />
      ) : (
        <AppHeader
          teams={Object.entries(known).map(([id, v]) => ({ id, name: v.teamName }))}
          teamId={session?.viewer.team.id ?? null}
          teamName={session?.viewer.team.name ?? null}
          title={session ? `Signed in as ${session.viewer.user.name} (${session.viewer.role})` : undefined}
          onSwitchTeam={(id) => {
            const k = known[id];
            if (k) void signIn(k.key, true);
          }}
          onAddTeam={() => setPhase({ kind: "signedOut" })}
          onSignOut={signOut}
        />
      )}
      <main className="page" id="main">
        {isPublic || phase.kind !== "signedOut" ? (
          // Until the key is checked (always so on the server: the key is in the tab's storage) the pages
          // render their frame (<PageFrame>: heading, panel headings, placeholders), never their data.
          <KeyCheckContext.Provider value={phase.kind === "checking" ? "checking" : phase.kind === "loading" ? "loading" : "done"}>
            <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
          </KeyCheckContext.Provider>
        ) : (
          <SignInForm error={phase.error} onSubmit={(k) => void signIn(k, false)} />
        )}
      </main>
    </ApiConfigContext.Provider>
  );
}

function SignInForm({ error, onSubmit }: { error?: string | undefined; onSubmit: (key: string) => void }) {
  const [key, setKey] = useState("");
  return (
    <form
      className="panel signin"
      aria-labelledby="signin-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (key.trim()) onSubmit(key.trim());
      }}
    >
      <h1 id="signin-title">Sign in</h1>
      <p className="subtle">Paste an API key of your team (it starts with sk_). It is kept in this browser tab only, until you close it or sign out.</p>
      <label className="field">
        <span>API key</span>
        <input
          name="apiKey"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby={error ? "signin-error" : undefined}
        />
      </label>
      {error && (
        <p className="error" id="signin-error" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
      <button type="submit" className="btn btn-primary">
        Sign in
      </button>
    </form>
  );
}
