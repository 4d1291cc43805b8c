// The typed client of the Perfect Match API for the web app: openapi-fetch over the types that
// openapi-typescript generates from docs/openapi.yaml into ./schema.d.ts (never edit that file:
// `npm run generate:api` in web/ rewrites it, and ./pm test fails when it is not current).
import createClient, { type Client } from "openapi-fetch";
import type { components, operations, paths } from "./schema";

export type { components, operations, paths };
/** The API's named schemas, e.g. `Schemas["Profile"]`. */
export type Schemas = components["schemas"];
/** Every error body: RFC 9457 problem details. */
export type Problem = Schemas["Problem"];
export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** Where the API is; "" (the default) is the origin that served the page. */
  baseUrl?: string;
  /** The session token for `Authorization: Bearer`, read on every request (none: signed out). */
  token?: () => string | null | undefined;
  /** For tests and server-side use. */
  fetch?: typeof globalThis.fetch;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? "",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const token = options.token;
  if (token) {
    client.use({
      onRequest({ request }) {
        const t = token();
        if (t) request.headers.set("Authorization", `Bearer ${t}`);
        return request;
      },
    });
  }
  return client;
}
