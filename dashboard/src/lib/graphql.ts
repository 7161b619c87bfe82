import { toHumane } from "./errors";

/** Minimal GraphQL-over-HTTP client for the browser; errors keep their `extensions.code` and `.field`. */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function gqlRequest<TData>(url: string, query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal, apiKey?: string): Promise<TData> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: signal ?? null,
    });
  } catch {
    throw new GraphQLRequestError(`cannot reach the API at ${url}`, "NETWORK_ERROR");
  }
  const body = (await res.json().catch(() => null)) as {
    data?: TData;
    errors?: { message: string; extensions?: { code?: string; field?: string } }[];
  } | null;
  if (body?.errors?.length) {
    const e = body.errors[0]!;
    throw new GraphQLRequestError(e.message, e.extensions?.code ?? "GRAPHQL_ERROR", e.extensions?.field);
  }
  if (!res.ok || !body?.data) throw new GraphQLRequestError(`API answered HTTP ${res.status}`, "HTTP_ERROR");
  return body.data;
}

/** An error in words (lib/errors.ts): the code's sentence and the API's message, never the bare code. */
export function errorText(err: unknown): string {
  return toHumane(err).text;
}
