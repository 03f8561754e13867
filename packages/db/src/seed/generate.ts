import { hasContact, Profile } from "@cdp/profile-schema";
import type { JsonObject } from "@cdp/profile-schema";

import { fakersFor, mobileNumber, pickCity, pickCountry } from "./countries";
import type { Country } from "./countries";
import { profileRoot, Rng } from "./random";

/** Which profiles to make: indexes `start … start + count - 1` of the set named by `seed`. */
export interface GenerateOptions {
  seed: number;
  /** First index (default 0). */
  start?: number;
  count: number;
  /** The moment the demo data is relative to (default: now). */
  now?: Date | string | number;
}

/** Share of profiles with contact data; the rest are anonymous visitors. */
export const IDENTIFIED_SHARE = 0.7;
/** Share of identified profiles that repeat an earlier profile's e-mail and/or phone. */
export const DUPLICATE_SHARE = 0.03;
/** Share of profiles that hold ids of visitor profiles merged into them. */
export const MERGED_IDS_SHARE = 0.04;

export const MAX_UINT32 = 0xffffffff;
const isUint32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_UINT32;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const HISTORY = 730 * DAY;
/** How far back a duplicate looks for the profile it repeats. */
const DUPLICATE_WINDOW = 500;

// One stream for everything (Faker included): each profile re-seeds it from (seed, index), so a
// profile never depends on which others were generated before it, nor on the batch size.
const rng = new Rng();
const fakers = fakersFor(rng);

// The complete default document, from the schema: anything the generator does not set keeps the
// value Profile.parse would give it, so a schema change cannot make seeded profiles drift. Compiled
// into an object literal, which V8 copies about twice as fast as a recursive clone.
const emptyProfile = new Function(
  `return ${JSON.stringify(Profile.parse({ id: "template" }))};`,
) as () => Profile;

function toMillis(now: GenerateOptions["now"]): number {
  const ms = now === undefined ? Date.now() : new Date(now).getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`Invalid "now": ${String(now)}`);
  return ms;
}

/** Canonical profile date (`…T10:00:00.123456Z`); the fraction of `ms` gives the microseconds. */
function iso(ms: number): string {
  const whole = Math.floor(ms);
  const micros = String(Math.floor((ms - whole) * 1000)).padStart(3, "0");
  return `${new Date(whole).toISOString().slice(0, 23)}${micros}Z`;
}

function dateOnly(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T00:00:00.000000Z`;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Lower-case ASCII letters of a name, for e-mail addresses and handles. */
export function slug(name: string): string {
  const ascii = name
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ß/g, "ss")
    .replace(/æ/g, "ae")
    .replace(/[øœ]/g, "o")
    .replace(/ł/g, "l")
    .replace(/đ/g, "d")
    .replace(/[^a-z]/g, "");
  return ascii || "user";
}

// ---------------------------------------------------------------------------------------------
// Identity: the first draws of a profile's stream, so a duplicate can recompute another's.
// ---------------------------------------------------------------------------------------------

type EmailStyle = "first.last" | "firstlast" | "flast" | "first_last" | "last.first" | "first";
const EMAIL_STYLES: readonly (readonly [EmailStyle, number])[] = [
  ["first.last", 40],
  ["firstlast", 15],
  ["flast", 15],
  ["first_last", 10],
  ["last.first", 10],
  ["first", 10],
];
const GLOBAL_MAIL = [
  "gmail.com",
  "outlook.com",
  "yahoo.com",
  "hotmail.com",
  "icloud.com",
  "proton.me",
];

interface Identity {
  country: Country;
  sex: "female" | "male";
  gender: string | null;
  firstname: string;
  lastname: string;
  emailStyle: EmailStyle;
  mailDomain: string;
  email: string | null;
  phone: string | null;
}

interface Head {
  country: Country;
  identity: Identity | null;
}

/**
 * The local part ends in the profile index, and names reduce to letters only, so two profiles
 * never get the same address unless a duplicate copies one on purpose.
 */
function emailOf(
  first: string,
  last: string,
  style: EmailStyle,
  domain: string,
  index: number,
): string {
  const f = slug(first);
  const l = slug(last);
  const local = {
    "first.last": `${f}.${l}`,
    firstlast: `${f}${l}`,
    flast: `${f[0] ?? "x"}${l}`,
    first_last: `${f}_${l}`,
    "last.first": `${l}.${f}`,
    first: f,
  }[style];
  return `${local}${index}@${domain}`;
}

function drawHead(index: number): Head {
  const identified = rng.chance(IDENTIFIED_SHARE);
  const country = pickCountry(rng);
  if (!identified) return { country, identity: null };
  const faker = fakers.get(country.code);
  if (!faker) throw new Error(`No Faker for ${country.code}`);
  const roll = rng.next();
  const sex = roll < 0.5 ? "female" : "male";
  const gender = rng.chance(0.85) ? (roll < 0.02 ? "non-binary" : sex) : null;
  const firstname = faker.person.firstName(sex);
  const lastname = faker.person.lastName(sex);
  const emailStyle = rng.weighted(EMAIL_STYLES);
  const mailDomain = rng.chance(0.65) ? rng.pick(GLOBAL_MAIL) : rng.pick(country.mailDomains);
  // 70% both, 22% e-mail only, 8% phone only.
  const contact = rng.next();
  const email = contact < 0.92 ? emailOf(firstname, lastname, emailStyle, mailDomain, index) : null;
  const phone = contact < 0.7 || contact >= 0.92 ? mobileNumber(rng, country) : null;
  return {
    country,
    identity: { country, sex, gender, firstname, lastname, emailStyle, mailDomain, email, phone },
  };
}

/** The head of a profile, after it possibly turned into a duplicate of an earlier profile. */
function drawIdentity(seed: number, index: number): Head {
  const head = drawHead(index);
  if (head.identity && index > 0 && rng.chance(DUPLICATE_SHARE)) {
    const identity = duplicateOf(seed, index, head.identity);
    return { country: identity.country, identity };
  }
  return head;
}

/** The identity profile `index` of `seed` has (null when anonymous), leaving the stream as it was. */
function identityAt(seed: number, index: number): Identity | null {
  const saved = rng.save();
  rng.setState(profileRoot(seed, index).state);
  const { identity } = drawIdentity(seed, index);
  rng.restore(saved);
  return identity;
}

/** Makes this identity repeat an earlier profile's e-mail and/or phone (what duplicates find). */
function duplicateOf(seed: number, index: number, own: Identity): Identity {
  const kind = rng.weighted([
    ["same-person", 55],
    ["shared-phone", 30],
    ["same-everything", 15],
  ] as const);
  const offset = 1 + Math.floor(rng.next() * Math.min(index, DUPLICATE_WINDOW));
  const caseChange = rng.chance(0.3);
  for (let j = index - offset; j >= 0 && j > index - offset - 5; j--) {
    const other = identityAt(seed, j);
    if (!other) continue;
    if (kind === "shared-phone") {
      // A household: same surname, country and phone; their own first name and e-mail.
      if (!other.phone) continue;
      const firstname = fakers.get(other.country.code)?.person.firstName(own.sex) ?? own.firstname;
      const { lastname } = other;
      return {
        ...own,
        country: other.country,
        firstname,
        lastname,
        phone: other.phone,
        email: own.email && emailOf(firstname, lastname, own.emailStyle, own.mailDomain, index),
      };
    }
    if (!other.email) continue;
    // The same person signed up twice, sometimes typing the address in another case.
    const at = other.email.indexOf("@");
    const email = caseChange
      ? other.email.slice(0, at).replace(/^[a-z]|[._][a-z]/g, (s) => s.toUpperCase()) +
        other.email.slice(at)
      : other.email;
    return {
      ...other,
      email,
      phone:
        kind === "same-everything" ? other.phone : own.phone && mobileNumber(rng, other.country),
    };
  }
  return own;
}

// ---------------------------------------------------------------------------------------------
// The rest of the profile
// ---------------------------------------------------------------------------------------------

const CATEGORIES = [
  "electronics",
  "books",
  "fashion",
  "home_garden",
  "sports",
  "travel",
  "beauty",
  "toys",
  "gaming",
  "music",
  "food",
  "automotive",
  "pets",
  "health",
] as const;
const SIGNUP_SOURCES = [
  ["organic", 35],
  ["google_ads", 20],
  ["facebook", 12],
  ["referral", 10],
  ["newsletter", 8],
  ["instagram", 6],
  ["partner", 5],
  ["tiktok", 4],
] as const;
const LANDING_PAGES = ["/", "/pricing", "/blog", "/products", "/sale", "/about", "/contact"];
const PLANS = [
  ["free", 65],
  ["pro", 27],
  ["enterprise", 8],
] as const;
const CONSENT_TYPES = [
  ["analytics", 0.85],
  ["marketing", 0.55],
  ["personalization", 0.5],
] as const;
const DEPARTMENTS = [
  "Marketing",
  "Sales",
  "Engineering",
  "Finance",
  "Human Resources",
  "Operations",
  "Customer Support",
  "Product",
  "Legal",
  "IT",
];
const JOB_TYPES = [
  ["full-time", 70],
  ["part-time", 12],
  ["contract", 8],
  ["freelance", 7],
  ["internship", 3],
] as const;
const COMPANY_SEGMENTS = [
  "B2B",
  "B2C",
  "SaaS",
  "Retail",
  "Manufacturing",
  "Finance",
  "Healthcare",
  "Education",
  "Logistics",
  "Media",
];
const COMPANY_SIZES = [8, 15, 40, 90, 250, 600, 1500, 5000, 20000];
const EDUCATION = ["primary", "secondary", "vocational", "bachelor", "master", "doctorate"];
const CIVIL = ["single", "married", "divorced", "widowed", "partnership"];
const COLORS = ["black", "white", "navy", "red", "green", "beige", "grey", "blue", "pink"];
const SIZES = ["XS", "S", "M", "L", "XL", "XXL"];
const DEVICES = ["mobile", "desktop", "tablet"];
const CHANNELS = ["email", "sms", "push", "whatsapp", "phone"];
const PAYMENTS = ["card", "paypal", "apple_pay", "google_pay", "bank_transfer", "klarna"];
const BRANDS = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Hooli",
  "Soylent",
  "Vandelay",
];
const LOYALTY_TIERS = [
  ["Bronze", 50],
  ["Silver", 30],
  ["Gold", 15],
  ["Platinum", 5],
] as const;
const COUPONS = ["WELCOME10", "SPRING25", "FREESHIP", "BLACKFRIDAY", "VIP15", "BDAY20"];

/**
 * One demo profile: the same (seed, index) always gives the same profile, whatever else is
 * generated around it. Every profile is a complete, canonical document (`Profile.parse(p)` deep-
 * equals `p`).
 */
export function generateProfile(seed: number, index: number, now: GenerateOptions["now"]): Profile {
  if (!isUint32(seed)) throw new RangeError(`seed must be an integer from 0 to ${MAX_UINT32}`);
  if (!isUint32(index)) throw new RangeError(`index must be an integer from 0 to ${MAX_UINT32}`);
  const nowMs = toMillis(now);
  const root = profileRoot(seed, index);
  rng.setState(root.state);

  const { country, identity } = drawIdentity(seed, index);
  const faker = fakers.get(country.code);
  if (!faker) throw new Error(`No Faker for ${country.code}`);

  const p = emptyProfile();
  p.id = root.id;
  const { data, metadata, stats } = p;
  const fields: Record<string, [string, string | null]> = {};
  const stamp = (path: string, at: string) => {
    fields[path] = [at, "seed"];
  };

  // --- Time and activity -------------------------------------------------------------------
  // Sign-ups grow over time: more profiles are recent than old.
  const created = nowMs - MINUTE - (HISTORY - MINUTE) * Math.pow(rng.next(), 1.35);
  const life = nowMs - created;
  const visits = Math.min(
    5000,
    1 + Math.floor(identity ? rng.logNormal(1.0, 1.1) : rng.logNormal(-0.6, 0.9)),
  );
  const views = visits + Math.floor(visits * rng.logNormal(0.9, 0.7));
  let current: number;
  let last: number | null = null;
  if (visits === 1) {
    current = created;
  } else {
    // Most returning visitors were seen lately; a churned fifth stopped long ago.
    const idle = rng.exponential(rng.chance(0.2) ? 120 * DAY : 12 * DAY);
    current = Math.max(created + MINUTE, nowMs - Math.min(idle, life));
    const gap = Math.min(
      current - created - MINUTE,
      rng.exponential((current - created) / visits) + MINUTE,
    );
    last = current - Math.max(MINUTE, gap);
  }
  const updated = Math.min(nowMs, current + rng.int(0, 20) * MINUTE);
  const createdIso = iso(created);
  const updatedIso = iso(updated);
  metadata.time.insert = createdIso;
  metadata.time.create = createdIso;
  metadata.time.update = updatedIso;
  metadata.time.visit = {
    last: last === null ? null : iso(last),
    current: iso(current),
    count: visits,
    tz: rng.pick(country.timeZones),
  };
  stats.visits = visits;
  stats.views = views;

  // --- Interests, purchases, traits ----------------------------------------------------------
  const interests: JsonObject = {};
  let favourite: string | null = null;
  let best = 0;
  for (const category of rng.sample(CATEGORIES, rng.int(identity ? 1 : 0, identity ? 5 : 2))) {
    const score = 1 + Math.floor(rng.logNormal(1.2, 1.0));
    interests[category] = score;
    if (score > best) [best, favourite] = [score, category];
  }
  p.interests = interests;

  const plan = identity ? rng.weighted(PLANS) : null;
  const buyer = identity !== null && rng.chance(visits === 1 ? 0.1 : plan === "free" ? 0.4 : 0.8);
  const counters: JsonObject = {};
  if (buyer) {
    // An order takes a visit.
    const orders = Math.min(visits, 1 + Math.floor(rng.logNormal(0.4, 0.9)));
    const abandoned = Math.floor(rng.logNormal(0, 1));
    const orderValue = rng.logNormal(4, 0.6);
    const completedValue = round2(orders * orderValue * (0.8 + 0.4 * rng.next()));
    data.metrics.ltcosc = orders + abandoned;
    data.metrics.ltcocc = orders;
    data.metrics.ltcop = round2(orders / (orders + abandoned));
    data.metrics.ltcocv = completedValue;
    data.metrics.ltcosv = round2(completedValue + abandoned * orderValue);
    data.metrics.ltv = round2(completedValue * (rng.chance(0.1) ? 0.9 : 1));
    data.metrics.next = rng.chance(0.3) ? iso(nowMs + rng.next() * 30 * DAY) : null;
    counters.purchases = orders;
    counters.cart_adds = Math.min(views, orders + abandoned + Math.floor(rng.logNormal(0.5, 1)));
    counters.refunds = rng.chance(0.1) ? rng.int(1, Math.max(1, Math.floor(orders / 3))) : 0;
  } else if (rng.chance(0.3)) {
    counters.cart_adds = Math.min(views, 1 + Math.floor(rng.logNormal(0, 0.8)));
  }
  if (rng.chance(0.4)) counters.searches = Math.floor(views * rng.next() * 0.5);
  stats.counters = counters;

  if (identity) {
    const traits: JsonObject = {
      plan: plan ?? "free",
      newsletter: rng.chance(0.45),
      signup_source: rng.weighted(SIGNUP_SOURCES),
      lifetime_value: data.metrics.ltv,
      churn_risk: round2(rng.next() * (visits > 10 ? 0.5 : 1)),
    };
    if (favourite) traits.favourite_category = favourite;
    if (buyer) {
      traits.orders = data.metrics.ltcocc;
      traits.avg_order_value = round2(data.metrics.ltcocv / data.metrics.ltcocc);
    }
    if (rng.chance(0.25)) traits.nps = rng.int(0, 10);
    p.traits = traits;
  } else {
    const traits: JsonObject = { first_source: rng.weighted(SIGNUP_SOURCES) };
    if (rng.chance(0.6)) traits.landing_page = rng.pick(LANDING_PAGES);
    p.traits = traits;
  }

  // --- Consents ------------------------------------------------------------------------------
  if (rng.chance(identity ? 0.55 : 0.15)) {
    for (const [type, share] of CONSENT_TYPES) {
      if (type !== "analytics" && !identity) continue;
      if (!rng.chance(share)) continue;
      const r = rng.next();
      const revoke =
        r < 0.6
          ? null
          : r < 0.85
            ? nowMs + (30 + rng.next() * 335) * DAY
            : created + life * rng.next();
      p.consents[type] = { revoke: revoke === null ? null : iso(revoke) };
    }
  }

  // --- Device and last location --------------------------------------------------------------
  const city = pickCity(rng, country);
  const postcode = faker.location.zipCode();
  if (rng.chance(0.6)) {
    const geo = data.devices.last.geo;
    geo.country = { name: country.name, code: country.code };
    geo.city = city[0];
    geo.county = city[1];
    geo.postal = identity ? postcode : null;
    geo.latitude = round2((city[2] + (rng.next() - 0.5) * 0.1) * 1e4) / 1e4;
    geo.longitude = round2((city[3] + (rng.next() - 0.5) * 0.1) * 1e4) / 1e4;
    stamp("data.devices.last.geo.city", updatedIso);
  }
  if (rng.chance(0.1))
    data.devices.push = [`${rng.pick(["fcm", "apns", "webpush"])}:${rng.hex(64)}`];
  if (rng.chance(0.15))
    data.devices.other = [`${rng.pick(["ios", "android", "web"])}-${rng.uuid()}`];

  // --- Ids of merged visitor profiles and external keys ------------------------------------------
  if (rng.chance(MERGED_IDS_SHARE)) {
    const n = rng.weighted([
      [1, 70],
      [2, 22],
      [3, 8],
    ] as const);
    p.ids = Array.from({ length: n }, () => rng.uuid());
  }

  if (!identity) {
    if (Object.keys(fields).length > 0) metadata.fields = fields;
    return p;
  }

  // --- Personal data -------------------------------------------------------------------------
  const { pii, contact } = data;
  pii.firstname = identity.firstname;
  pii.lastname = identity.lastname;
  stamp("data.pii.firstname", createdIso);
  stamp("data.pii.lastname", createdIso);
  if (rng.chance(0.15)) pii.display_name = `${identity.firstname} ${identity.lastname.charAt(0)}.`;
  pii.gender = identity.gender;
  if (rng.chance(0.6)) {
    const age = Math.min(90, 18 + Math.floor(rng.logNormal(2.9, 0.45)));
    const year = new Date(nowMs).getUTCFullYear() - age;
    pii.birthday = dateOnly(year, rng.int(1, 12), rng.int(1, 28));
  }
  if (rng.chance(0.7)) {
    const [native, ...others] = country.languages;
    pii.language.native = native ?? "en";
    pii.language.spoken = [pii.language.native, ...rng.sample(others, rng.int(0, 2))];
  }
  if (rng.chance(0.25)) pii.education.level = rng.pick(EDUCATION);
  if (rng.chance(0.25)) pii.civil.status = rng.pick(CIVIL);
  if (rng.chance(0.05)) {
    const tall = identity.sex === "male" ? 178 : 165;
    pii.attributes = {
      height: Math.round(tall + rng.normal() * 7),
      weight: Math.round((identity.sex === "male" ? 82 : 66) + rng.normal() * 10),
      shoe_number: identity.sex === "male" ? rng.int(40, 46) : rng.int(36, 42),
    };
  }

  // --- Contact -------------------------------------------------------------------------------
  if (identity.email) {
    contact.email.main = identity.email;
    stamp("data.contact.email.main", createdIso);
    if (rng.chance(0.4)) contact.confirmations.push("email");
  }
  if (identity.phone) {
    contact.phone.main = identity.phone;
    if (rng.chance(0.5)) contact.phone.mobile = identity.phone;
    if (rng.chance(0.1)) contact.phone.whatsapp = identity.phone;
    stamp("data.contact.phone.main", createdIso);
    if (rng.chance(0.2)) contact.confirmations.push("phone");
  }
  if (rng.chance(0.08)) {
    const handle = `${slug(identity.firstname)}${slug(identity.lastname).slice(0, 3)}${rng.int(1, 99)}`;
    const app = rng.pick(["telegram", "discord", "slack", "signal"] as const);
    contact.app[app] = app === "signal" ? identity.phone : handle;
  }
  if (rng.chance(0.8)) {
    const home = rng.chance(0.85) ? city : pickCity(rng, country);
    contact.address = {
      ...contact.address,
      town: home[0],
      county: home[1],
      country: country.name,
      postcode,
      street: rng.chance(0.75) ? faker.location.streetAddress() : null,
    };
    stamp("data.contact.address.country", createdIso);
  }

  // --- Work, loyalty, media, preferences, external keys ---------------------------------------
  if (rng.chance(0.35)) {
    const job = data.job;
    job.position = faker.person.jobTitle();
    job.department = rng.pick(DEPARTMENTS);
    job.type = rng.weighted(JOB_TYPES);
    job.salary = rng.chance(0.4) ? Math.round(rng.logNormal(10.8, 0.45) / 1000) * 1000 : null;
    const company = faker.company.name();
    job.company = {
      name: company,
      size: rng.pick(COMPANY_SIZES),
      segment: rng.sample(COMPANY_SEGMENTS, rng.int(1, 2)),
      country: rng.chance(0.85)
        ? country.name
        : rng.pick(["United States", "Germany", "United Kingdom"]),
    };
    if (rng.chance(0.5)) {
      const domain = `${slug(company).slice(0, 20)}.${rng.pick(["com", "io", "co", "net"])}`;
      contact.email.business = `${slug(identity.firstname)}.${slug(identity.lastname)}@${domain}`;
      if (rng.chance(0.3)) contact.phone.business = mobileNumber(rng, country);
    }
  }
  if (rng.chance(0.2)) {
    const tier = rng.weighted(LOYALTY_TIERS);
    data.loyalty = {
      codes: rng.chance(0.5) ? [`LOY-${rng.hex(8).toUpperCase()}`] : [],
      card: {
        id: `LC${rng.digits(10)}`,
        name: `${tier} Member`,
        issuer: "Acme Rewards",
        expires: iso(nowMs + (30 + rng.next() * 1000) * DAY),
        points: Math.floor(rng.logNormal(6, 1.2)),
      },
    };
  }
  if (rng.chance(0.12)) {
    const handle = `${slug(identity.firstname)}${slug(identity.lastname)}`;
    const social = data.media.social;
    if (rng.chance(0.6)) social.instagram = `@${handle}`;
    if (rng.chance(0.4)) social.twitter = `@${handle.slice(0, 12)}${rng.int(1, 99)}`;
    if (rng.chance(0.5)) social.linkedin = `https://www.linkedin.com/in/${handle}-${rng.hex(6)}`;
    if (rng.chance(0.2))
      data.media.webpage = `https://${handle}.${rng.pick(["com", "net", "me", "dev"])}`;
  }
  if (rng.chance(0.3)) {
    const prefs = data.preferences;
    if (favourite) prefs.purchases = [favourite];
    prefs.colors = rng.sample(COLORS, rng.int(0, 3));
    if (rng.chance(0.5)) prefs.sizes = rng.sample(SIZES, 1);
    prefs.devices = rng.sample(DEVICES, rng.int(1, 2));
    prefs.channels = rng.sample(CHANNELS, rng.int(1, 2));
    prefs.payments = rng.sample(PAYMENTS, rng.int(1, 2));
    if (rng.chance(0.4)) prefs.brands = rng.sample(BRANDS, rng.int(1, 3));
  }
  if (p.ids.length > 0 || rng.chance(0.06)) {
    const key = `crm-${String(index + 1).padStart(6, "0")}`;
    data.identifier.id = key;
    if (rng.chance(0.5)) data.identifier.pk = `cus_${rng.hex(14)}`;
    metadata.system.integrations = { crm: { id: key, synced: updatedIso } };
  }
  if (buyer && rng.chance(0.15)) data.identifier.coupons = rng.sample(COUPONS, rng.int(1, 2));

  data.anonymous = !hasContact(contact);
  metadata.fields = fields;
  return p;
}

/** Profiles `start … start + count - 1` of the set named by `seed` (see {@link generateProfile}). */
export function generateProfiles({ seed, start = 0, count, now }: GenerateOptions): Profile[] {
  const nowMs = toMillis(now);
  const out: Profile[] = new Array<Profile>(count);
  for (let i = 0; i < count; i++) out[i] = generateProfile(seed, start + i, nowMs);
  return out;
}
