/** Why a value shows as `A•••`: personal data stays masked unless revealed with a reason. */
export const MASKED_TITLE =
  "Personal data, masked. Privacy officers and admins can reveal it on the profile page, giving a reason.";

/** A value that may be masked (`A•••`, `j•••@e•••`): the bullets are dimmed. */
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
