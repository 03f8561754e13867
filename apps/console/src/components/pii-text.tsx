/** Why a value shows as `A•••`: the API masks PII for callers without `profiles:pii`. */
export const MASKED_TITLE = "Masked: seeing it needs the PII permission (staff sign-in)";

/** A value the API may have masked (`A•••`, `j•••@e•••`): the bullets are dimmed. */
export function PiiText({ value, masked }: { value: string; masked: boolean }) {
  if (!masked) return <>{value}</>;
  return (
    <span title={MASKED_TITLE} data-masked="">
      {value.split(/(•+)/).map((part, i) =>
        part.startsWith("•") ? (
          <span key={i} className="text-[0.8em] text-muted-foreground/60">
            {part}
          </span>
        ) : (
          part
        ),
      )}
    </span>
  );
}
