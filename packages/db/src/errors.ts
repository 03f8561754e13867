/**
 * The closed set of failures the store reports. The API maps each code to one tRPC code in one
 * place; nothing else inspects driver errors.
 */
export type DomainErrorCode = "NOT_FOUND" | "CONFLICT" | "BAD_REQUEST" | "FORBIDDEN";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** A write named a version that is no longer current: nothing was changed. */
export class VersionConflictError extends DomainError {
  constructor(
    readonly id: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(
      "CONFLICT",
      `Profile ${id} was changed by someone else (you had version ${expectedVersion}, it is now ${currentVersion}); reload and review.`,
      { id, expectedVersion, currentVersion },
    );
    this.name = "VersionConflictError";
  }
}

/**
 * A write named a profile that was merged into another after it was read: nothing was changed.
 * Its id now opens the survivor (`currentVersion` is the survivor's), so reading again and
 * re-applying the change lands it there.
 */
export class ProfileMergedError extends VersionConflictError {
  constructor(id: string, expectedVersion: number, into: { id: string; version: number }) {
    super(id, expectedVersion, into.version);
    this.message = `Profile ${id} was merged into ${into.id} while this change was made; nothing was changed. Reload ${id} (it now opens ${into.id}) and apply the change again.`;
    this.details["mergedInto"] = into.id;
    this.name = "ProfileMergedError";
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super("NOT_FOUND", `${entity} ${id} was not found.`, { entity, id });
    this.name = "NotFoundError";
  }
}
