/**
 * The REST face of the procedures that carry `.meta({ openapi })`: `/openapi.json` and the routes
 * under `/api/v1`, both from trpc-to-openapi, run through the same router, context and errors as
 * tRPC.
 */
import { TRPCError } from "@trpc/server";
import type { AnyProcedure, AnyRouter } from "@trpc/server";
import type { NodeHTTPResponse } from "@trpc/server/adapters/node-http";
import { createOpenApiNodeHttpHandler, generateOpenApiDocument } from "trpc-to-openapi";
import type { NodeHTTPRequest, OpenAPIObject, OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import {
  appRouter,
  consoleLogger,
  createTRPCContext,
  orUnavailable,
  retryAfterHeader,
  DEFAULT_MAX_BODY_BYTES,
  jsonResponse,
  limitBody,
  logCallError,
  requestIdOf,
  serviceTokenPrincipal,
  withRequestId,
} from "@cdp/api";
import type { CallLimiter, PrincipalResolver, RequestLogger } from "@cdp/api";
import type { Database } from "@cdp/db";
import { JsonObject } from "@cdp/profile-schema";

/** Where the REST routes are mounted; the paths in the procedures' meta are relative to it. */
export const REST_BASE = "/api/v1";

type Schema = z.core.$ZodType;

const openApiOf = (procedure: AnyProcedure) =>
  (procedure._def.meta as OpenApiMeta | undefined)?.openapi;

const acceptsBody = (method: string) => method !== "GET" && method !== "DELETE";

function openApiProcedures(router: AnyRouter): [string, AnyProcedure][] {
  return Object.entries(router._def.procedures as Record<string, AnyProcedure>).filter(
    ([, procedure]) =>
      openApiOf(procedure)?.enabled !== false && openApiOf(procedure) !== undefined,
  );
}

// ---------------------------------------------------------------------------------------------
// Rendering the contract's custom schemas
// ---------------------------------------------------------------------------------------------

/**
 * zod-openapi refuses a `z.custom` it cannot render, and the contract uses three: the catch-all
 * that refuses unknown keys, the JSON value of free maps, and the plain-object guard of typed maps.
 * This registers how each renders (metadata keyed by the schema instance, read only by OpenAPI
 * rendering), so the contract itself stays free of OpenAPI concerns.
 */
function describeCustoms(root: Schema): void {
  const seen = new Set<Schema>();
  const mark = (schema: Schema, override: Record<string, unknown>) => {
    if (!z.globalRegistry.has(schema)) z.globalRegistry.add(schema, { override });
  };
  const jsonObjectDef = (JsonObject as unknown as z.core.$ZodTypes)._zod.def;
  if (jsonObjectDef.type === "pipe") mark(jsonObjectDef.in, { type: "object" });

  const visit = (schema: Schema): void => {
    if (seen.has(schema)) return;
    seen.add(schema);
    const def = (schema as z.core.$ZodTypes)._zod.def;
    switch (def.type) {
      case "object":
        for (const value of Object.values(def.shape)) visit(value);
        if (def.catchall) mark(def.catchall, { not: {} });
        return;
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "nonoptional":
      case "readonly":
      case "catch":
        return visit(def.innerType);
      case "array":
        return visit(def.element);
      case "record":
        visit(def.keyType);
        return visit(def.valueType);
      case "union":
        return def.options.forEach(visit);
      case "intersection":
        visit(def.left);
        return visit(def.right);
      case "pipe":
        if (def.out._zod.def.type === "record") mark(def.in, { type: "object" });
        visit(def.in);
        return visit(def.out);
      case "lazy":
        return visit(def.getter());
      case "custom":
        return mark(schema, { description: "Any JSON value." });
      default:
        return;
    }
  };
  visit(root);
}

// ---------------------------------------------------------------------------------------------
// Keeping trpc-to-openapi's coercion off the shared schemas
// ---------------------------------------------------------------------------------------------

/**
 * trpc-to-openapi turns on `coerce` in every number, boolean and date it finds in an input schema,
 * on every request — by mutating the schema. For query strings that is the point; for JSON bodies
 * it would make the contract's shared schemas (ProfileObject) accept `"false"` as `true` and
 * `null` as `0` everywhere, tRPC included, from the first REST write on. Body routes therefore
 * get copies along exactly the paths that coercion walks; validation still runs on the originals.
 */
function detachCoercibles(schema: Schema): Schema {
  const s = schema as z.core.$ZodTypes;
  const def = s._zod.def;
  const copy = (newDef: object) => z.core.clone(s, newDef as typeof def);
  switch (def.type) {
    case "object": {
      const shape = Object.fromEntries(
        Object.entries(def.shape).map(([key, value]) => [key, detachCoercibles(value)]),
      );
      return copy({ ...def, shape });
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
      return copy({ ...def, innerType: detachCoercibles(def.innerType) });
    case "array":
      return copy({ ...def, element: detachCoercibles(def.element) });
    case "lazy": {
      const getter = def.getter;
      let detached: Schema | undefined;
      return copy({
        ...def,
        getter: () => (detached ??= detachCoercibles(getter())),
      });
    }
    case "number":
    case "boolean":
    case "bigint":
    case "date":
      return copy({ ...def });
    default:
      return schema;
  }
}

/**
 * The router as the REST handler sees it: the same procedures (calls still go through the
 * original router's caller) with body routes' input schemas detached.
 */
function restView(router: AnyRouter): AnyRouter {
  const procedures: Record<string, unknown> = { ...router._def.procedures };
  for (const [path, procedure] of openApiProcedures(router)) {
    const meta = openApiOf(procedure);
    if (!meta || !acceptsBody(meta.method)) continue;
    const inputs = (procedure._def.inputs as Schema[]).map(detachCoercibles);
    procedures[path] = { _def: { ...procedure._def, inputs } };
  }
  return { ...router, _def: { ...router._def, procedures } } as AnyRouter;
}

// ---------------------------------------------------------------------------------------------
// The document and the handler
// ---------------------------------------------------------------------------------------------

let prepared = false;

function prepare(): void {
  if (prepared) return;
  for (const [, procedure] of openApiProcedures(appRouter)) {
    for (const input of procedure._def.inputs as Schema[]) describeCustoms(input);
  }
  prepared = true;
}

let document: OpenAPIObject | undefined;

/**
 * The contract's field metadata rides along in the rendered schemas as `label`, `pii` and
 * `fieldType`; OpenAPI tools know `title` and `x-` extensions, so rename them (in place).
 */
function tidySchemas(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) tidySchemas(item);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const schema = node as Record<string, unknown>;
  if (typeof schema["label"] === "string") {
    schema["title"] ??= schema["label"];
    delete schema["label"];
  }
  if (typeof schema["pii"] === "boolean") {
    schema["x-pii"] = schema["pii"];
    delete schema["pii"];
  }
  if (typeof schema["fieldType"] === "string") delete schema["fieldType"];
  for (const value of Object.values(schema)) tidySchemas(value);
}

/** The OpenAPI 3.1 document of the REST routes (built once; servers are relative). */
export function openApiDocument(): OpenAPIObject {
  prepare();
  if (document) return document;
  const generated = generateOpenApiDocument(appRouter, {
    title: "Customer profile API",
    description:
      "REST routes of the profile API for internal services. Authenticate with a service token: " +
      "`Authorization: Bearer <token>`. The same procedures are served over tRPC at /api/trpc.",
    version: "1.0.0",
    baseUrl: REST_BASE,
    tags: ["profiles"],
  });
  tidySchemas(generated.paths);
  tidySchemas(generated.components);
  document = generated;
  return document;
}

export interface RestHandlerOptions {
  db: Database;
  resolvePrincipal?: PrincipalResolver;
  maxBodyBytes?: number;
  logger?: RequestLogger;
  /** Per-token call limits, shared with the tRPC routes; none when absent. */
  limitCalls?: CallLimiter | null;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment).replaceAll("/", "%2F");
  } catch {
    return segment;
  }
}

interface CallInfo {
  request: Request;
  requestId: string;
}

/**
 * The REST routes as `(Request) => Promise<Response>`. trpc-to-openapi's own fetch adapter builds
 * its handler (and re-validates the whole router) on every request; this builds it once and feeds
 * it the same Request proxy that adapter would.
 */
export function createRestHandler(
  options: RestHandlerOptions,
): (req: Request) => Promise<Response> {
  const {
    db,
    resolvePrincipal = serviceTokenPrincipal,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    logger = consoleLogger,
  } = options;
  prepare();
  const limitCalls = options.limitCalls ?? null;
  const calls = new WeakMap<object, CallInfo>();
  const handler = createOpenApiNodeHttpHandler({
    router: restView(appRouter),
    // trpc-to-openapi types `req` as an IncomingMessage; it is the proxy built below.
    createContext: async ({ req }: { req: object }) => {
      const call = calls.get(req);
      if (!call) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Unknown request" });
      return createTRPCContext({
        db,
        principal: await orUnavailable(() => resolvePrincipal(call.request, db)),
        requestId: call.requestId,
        limitCalls,
      });
    },
    responseMeta: ({ errors }) => ({ headers: retryAfterHeader(errors) }),
    onError: ({ error, path, req }) => {
      const requestId = calls.get(req)?.requestId ?? "unknown";
      logCallError(logger, { requestId, path, error });
    },
  });

  return async (incoming) => {
    const requestId = requestIdOf(incoming.headers);
    const request = await limitBody(incoming, maxBodyBytes);
    if (request instanceof Response) return withRequestId(request, requestId);

    const url = new URL(request.url);
    // trpc-to-openapi matches path parameters undecoded: `email%3Ajane%40x.com` must find the
    // same profile as `email:jane@x.com`.
    url.pathname = url.pathname
      .slice(REST_BASE.length)
      .split("/")
      .map((segment) => decodeSegment(segment))
      .join("/");
    const text = acceptsBody(request.method) ? await request.text() : "";
    let body: { ok: true; value: unknown } | { ok: false; cause: unknown };
    try {
      body = { ok: true, value: text === "" ? undefined : JSON.parse(text) };
    } catch (cause) {
      body = { ok: false, cause };
    }
    const proxy = new Proxy(request, {
      get: (target, prop) => {
        if (prop === "url") return url.toString();
        if (prop === "body") {
          if (!body.ok) {
            throw new TRPCError({
              code: "PARSE_ERROR",
              message: "The request body is not JSON.",
              cause: body.cause,
            });
          }
          return body.value;
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === "function" ? (value as () => unknown).bind(target) : value;
      },
    });
    calls.set(proxy, { request, requestId });

    const response = await new Promise<Response>((resolve) => {
      const headers = new Headers();
      const res = {
        statusCode: 200,
        setHeader(key: string, value: string | readonly string[]) {
          if (typeof value === "string") headers.set(key, value);
          else for (const v of value) headers.append(key, v);
        },
        end(chunk?: string) {
          resolve(new Response(chunk ?? null, { status: this.statusCode, headers }));
        },
      };
      handler(proxy as unknown as NodeHTTPRequest, res as unknown as NodeHTTPResponse).catch(
        (cause: unknown) => {
          const err = cause instanceof Error ? cause : new Error(String(cause));
          logger.error({ requestId, err: { name: err.name, stack: err.stack } }, "REST failed");
          resolve(
            jsonResponse(500, { message: "Internal server error", code: "INTERNAL_SERVER_ERROR" }),
          );
        },
      );
    });
    return withRequestId(response, requestId);
  };
}
