export { generateProfile, generateProfiles } from "./generate";
export { DEFAULT_BATCH, seedProfiles } from "./run";
export type { SeedOptions, SeedProgress, SeedResult } from "./run";
