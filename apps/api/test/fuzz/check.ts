/**
 * Sending one case and judging the answer: what the server must say for an input the procedure's
 * own schema accepts, one it refuses, text that is not JSON, and abuse of the request itself.
 */
import type { Harness } from "../harness";
import { preview } from "./raw";

/** What a request should come to, known before it is sent. */
export type Expectation =
  /** The procedure's input schema accepts the input: a success, or a refusal by the service. */
  | "valid"
  /** The schema refuses it: 400 with field errors. */
  | "invalid-input"
  /** The body is not JSON: 400. */
  | "invalid-json"
  /** Transport abuse (content types, odd roots): anything but a server fault or a bare refusal. */
  | "any";

/** One HTTP request of the fuzzer, as sent. */
export interface FuzzRequest {
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  contentType: string | null;
  body: string | undefined;
}

export interface Reply {
  status: number;
  text: string;
  json: unknown;
}

export async function send(h: Harness, req: FuzzRequest): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (req.contentType !== null) headers["content-type"] = req.contentType;
  const res = await h.fetch(req.path, {
    method: req.method,
    token: h.tokens.all.secret,
    headers,
    body: req.body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

// ---------------------------------------------------------------------------------------------
// The oracle: the procedure's own input schema, run here on the same JSON text
// ---------------------------------------------------------------------------------------------

type StandardResult = { value: unknown; issues?: undefined } | { issues: readonly unknown[] };
interface StandardSchema {
  "~standard": { validate(value: unknown): StandardResult | Promise<StandardResult> };
}

function isStandardSchema(value: unknown): value is StandardSchema {
  if (typeof value !== "object" || value === null || !("~standard" in value)) return false;
  const standard: unknown = value["~standard"];
  return typeof standard === "object" && standard !== null && "validate" in standard;
}

/** What the server should answer for `text`, judged by the schema that validates it there. */
export async function expectationOf(schema: unknown, text: string): Promise<Expectation> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "invalid-json";
  }
  if (schema === undefined) return "valid";
  if (!isStandardSchema(schema)) throw new Error("an input parser that is not a standard schema");
  try {
    const result = await schema["~standard"].validate(value);
    return result.issues ? "invalid-input" : "valid";
  } catch {
    // The schema itself broke on it (a stack overflow on deep nesting): the server must still
    // refuse it as bad input, with field errors.
    return "invalid-input";
  }
}

// ---------------------------------------------------------------------------------------------
// The verdict
// ---------------------------------------------------------------------------------------------

const obj = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** Messages that are not for people: the 500 text, JSON dumps, JS engine internals. */
function notHuman(message: unknown): string | null {
  if (typeof message !== "string" || message.trim() === "") return "no message";
  if (message === "Something went wrong on the server.") return "the server-fault message";
  if (/^\s*[[{]/.test(message)) return "a JSON dump as the message";
  if (
    /Maximum call stack|is not a function|Cannot read propert|undefined is not|\bat Object\./.test(
      message,
    )
  ) {
    return "a JavaScript internal as the message";
  }
  return null;
}

interface ErrorBody {
  message: unknown;
  code: unknown;
  fieldErrors: unknown;
}

/** The error of a tRPC answer (`{ error: { message, data: { code, fieldErrors } } }`), the server's
 * own 4xx (`{ error: { code, message } }`), or a REST answer (`{ message, code, data }`). */
function errorOf(json: unknown): ErrorBody | null {
  const root = obj(json);
  if (!root) return null;
  const inner = obj(root["error"]);
  if (inner) {
    const data = obj(inner["data"]);
    return {
      message: inner["message"],
      code: data ? data["code"] : inner["code"],
      fieldErrors: data ? data["fieldErrors"] : undefined,
    };
  }
  if ("message" in root) {
    const data = obj(root["data"]);
    return { message: root["message"], code: root["code"], fieldErrors: data?.["fieldErrors"] };
  }
  return null;
}

function fieldErrorProblems(fieldErrors: unknown, required: boolean): string[] {
  if (fieldErrors === null || fieldErrors === undefined) {
    return required ? ["a BAD_REQUEST from input parsing without data.fieldErrors"] : [];
  }
  if (!Array.isArray(fieldErrors)) return ["data.fieldErrors is not a list"];
  if (required && fieldErrors.length === 0) return ["data.fieldErrors is empty"];
  const problems: string[] = [];
  for (const e of fieldErrors as unknown[]) {
    const fe = obj(e);
    if (!fe || typeof fe["path"] !== "string")
      problems.push(`a field error without a path: ${JSON.stringify(e)}`);
    else {
      const why = notHuman(fe["message"]);
      if (why)
        problems.push(
          `field error at "${fe["path"]}" has ${why}: ${JSON.stringify(fe["message"])}`,
        );
    }
  }
  return problems;
}

/** Everything wrong with `reply` for a request expected to come to `expectation`. */
export function problemsOf(
  reply: Reply,
  expectation: Expectation,
  style: "trpc" | "rest",
): string[] {
  const { status, json } = reply;
  if (status >= 500) return [`answered ${status}`];
  if (status >= 200 && status < 300) {
    if (expectation === "invalid-input" || expectation === "invalid-json") {
      return [
        `answered ${status} to ${expectation === "invalid-json" ? "a body that is not JSON" : "input its schema refuses"}`,
      ];
    }
    if (style === "trpc") {
      const result = obj(obj(json)?.["result"]);
      if (!result || result["data"] === undefined)
        return [`answered ${status} without result.data`];
    } else if (json === undefined) {
      return [`answered ${status} without a JSON body`];
    }
    return [];
  }
  if (status < 400) return [`answered ${status}`];

  const problems: string[] = [];
  const error = errorOf(json);
  if (!error) return [`answered ${status} without a JSON error body`];
  const why = notHuman(error.message);
  if (why) problems.push(`answered ${status} with ${why}: ${preview(String(error.message), 200)}`);
  if (error.code === "UNAUTHORIZED" || status === 401)
    problems.push("refused the all-permissions token");

  switch (expectation) {
    case "invalid-input":
      if (status !== 400 || error.code !== "BAD_REQUEST") {
        problems.push(
          `answered ${status} ${String(error.code)} to input its schema refuses (expected 400 BAD_REQUEST)`,
        );
      }
      problems.push(...fieldErrorProblems(error.fieldErrors, true));
      break;
    case "invalid-json":
      if (status !== 400 && status !== 413)
        problems.push(`answered ${status} to a body that is not JSON`);
      break;
    case "valid":
    case "any":
      if (error.code === "BAD_REQUEST")
        problems.push(...fieldErrorProblems(error.fieldErrors, false));
      break;
  }
  return problems;
}
