import type { TRPCRouterRecord } from "@trpc/server";
import {
  ExportPageInput,
  ImportBeginInput,
  ImportCommitInput,
  ImportInput,
  ImportJobId,
  ImportPartInput,
} from "@cdp/profile-schema";

import { exportPage } from "../../services/export";
import {
  addImportPart,
  beginImport,
  cancelImport,
  commitImport,
  importStatus,
  listImports,
  submitImport,
} from "../../services/import";
import { authorizedProcedure, z } from "../../trpc";

const JobId = z.object({ jobId: ImportJobId });

/** `profile.import*` and `profile.exportPage`; spread into the profile router. */
export const importProcedures = {
  /**
   * Starts importing a file (NDJSON of Profile documents, NDJSON of Tracardi documents, or CSV
   * with a column mapping) as a background job and returns `{ jobId }` at once; follow it with
   * `importStatus`. The same file while its job runs is a CONFLICT naming that job.
   */
  import: authorizedProcedure("profiles:write")
    .input(ImportInput)
    .mutation(({ ctx, input }) => submitImport(ctx.db, ctx.principal, input)),

  /**
   * Starts a chunked upload (files larger than one request): returns `{ jobId }` of a job in
   * `uploading`; send the file with `importPart` and queue it with `importCommit`.
   */
  importBegin: authorizedProcedure("profiles:write")
    .input(ImportBeginInput)
    .mutation(({ ctx, input }) => beginImport(ctx.db, ctx.principal, input)),

  /**
   * Adds the next part (0-based, ≤ 8 MB; every part but the last ends with a line break, a CSV
   * part after a whole record) and returns `{ parts, rows, bytes }` so far. Sending a part again
   * with the same text is harmless; with other text it is a CONFLICT.
   */
  importPart: authorizedProcedure("profiles:write")
    .input(ImportPartInput)
    .mutation(({ ctx, input }) => addImportPart(ctx.db, input)),

  /**
   * Ends the upload of `parts` parts and starts the job. The same file split the same way while
   * its job runs is a CONFLICT naming that job.
   */
  importCommit: authorizedProcedure("profiles:write")
    .input(ImportCommitInput)
    .mutation(({ ctx, input }) => commitImport(ctx.db, input)),

  /** Progress, counts and the first 1,000 row errors `{ line, path, message }` of a job. */
  importStatus: authorizedProcedure("profiles:write")
    .input(JobId)
    .query(({ ctx, input }) => importStatus(ctx.db, input.jobId)),

  /** Recent import jobs, newest first (without files or error reports). */
  importList: authorizedProcedure("profiles:write")
    .input(z.object({ limit: z.int().min(1).max(200).default(50) }).prefault({}))
    .query(({ ctx, input }) => listImports(ctx.db, input)),

  /**
   * Stops a job after the batch in flight (rows already committed stay); an uploading job's parts
   * are dropped.
   */
  importCancel: authorizedProcedure("profiles:write")
    .input(JobId)
    .mutation(({ ctx, input }) => cancelImport(ctx.db, input.jobId)),

  /**
   * One page of an export as text (NDJSON lines or CSV rows, the header on the first page) with
   * the next cursor, and on the first page the number of matches: for the console's progress
   * bar. Whole files for services: the streaming route `GET /api/export` (createExportHandler).
   */
  exportPage: authorizedProcedure("profiles:read")
    .input(ExportPageInput)
    .query(({ ctx, input }) => {
      const { cursor, limit, ...request } = input;
      return exportPage(ctx.db, ctx.principal, request, { cursor, limit, withTotal: !cursor });
    }),
} satisfies TRPCRouterRecord;
