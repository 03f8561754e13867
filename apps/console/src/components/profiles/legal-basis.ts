import type { LegalBasis } from "@cdp/profile-schema";

/** How the console names the lawful bases of GDPR Art. 6(1). */
export const LEGAL_BASIS_LABELS: Record<LegalBasis, string> = {
  consent: "Consent of the person",
  contract: "Performance of a contract",
  legal_obligation: "Legal obligation",
  vital_interests: "Vital interests",
  public_task: "Public task",
  legitimate_interests: "Legitimate interests",
};
