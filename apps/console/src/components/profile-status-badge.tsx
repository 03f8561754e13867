import { Badge } from "@cdp/ui";

/** "Identified" when the profile has a contact (email, phone, messaging app), else "Anonymous". */
export function ProfileStatusBadge({ anonymous }: { anonymous: boolean }) {
  return anonymous ? (
    <Badge variant="muted">
      <span className="size-1.5 rounded-full bg-muted-foreground/50" aria-hidden="true" />
      Anonymous
    </Badge>
  ) : (
    <Badge variant="success">
      <span className="size-1.5 rounded-full bg-emerald-500" aria-hidden="true" />
      Identified
    </Badge>
  );
}
