export {
  FORBIDDEN_KEYS,
  JsonObject,
  JsonValue,
  MapKey,
  MAX_JSON_DEPTH,
  unstorableJson,
  unstorableText,
} from "./json";
export {
  IsoDateOrDateTime,
  IsoDateTime,
  normalizeDate,
  parseDate,
  toTracardiDate,
  type DateOptions,
  type DateParseResult,
} from "./date";
export {
  ConsentRevoke,
  FieldTimestamp,
  Geo,
  GeoCountry,
  hasContact,
  MAX_COUNTER,
  Profile,
  ProfileAddress,
  ProfileAttributes,
  ProfileCompany,
  ProfileContact,
  ProfileContactApp,
  ProfileData,
  ProfileDevices,
  ProfileEmail,
  ProfileIdentifier,
  ProfileJob,
  ProfileLanguage,
  ProfileLoyalty,
  ProfileLoyaltyCard,
  ProfileMedia,
  ProfileMetadata,
  ProfileMetrics,
  ProfileObject,
  ProfilePhone,
  ProfilePII,
  ProfilePreferences,
  ProfileSocialMedia,
  ProfileStats,
  ProfileSystemMetadata,
  ProfileTime,
  ProfileVisit,
  type ProfileInput,
} from "./profile";
export {
  fieldByPath,
  fieldMetadata,
  piiPaths,
  type FieldMeta,
  type FieldType,
} from "./field-metadata";
export {
  applyProfilePatch,
  createProfile,
  diffPaths,
  ProfileCreate,
  ProfilePatch,
  type PatchOf,
  type ProfileCreateInput,
} from "./profile-input";
export {
  fromTracardi,
  toTracardi,
  TRACARDI_AUX_KEY,
  TracardiDate,
  TracardiProfile,
} from "./tracardi";
export * from "./consent";
export * from "./merge";
export * from "./import";
export * from "./track";
export * from "./condition";
export * from "./condition-eval";
export * from "./condition-text";
export * from "./condition-describe";
export * from "./list-query";
export * from "./segment";
export * from "./saved-view";
export * from "./mapping";
