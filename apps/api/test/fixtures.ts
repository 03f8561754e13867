import type { ProfileCreateInput } from "@cdp/profile-schema";

/** A profile with every kind of identifier and some PII, for lookups and masking checks. */
export const jane = {
  id: "p-jane",
  ids: ["legacy-jane-1"],
  data: {
    pii: { firstname: "Janina", lastname: "Kowalska", birthday: "1990-04-02" },
    contact: {
      email: { main: "Janina.K@Example.com" },
      phone: { main: "+48 600-100-200" },
      address: { town: "Gdańsk", street: "Długa 12" },
    },
    identifier: { id: "crm-7731", pk: "pk-7731" },
  },
  traits: { plan: "gold" },
  stats: { visits: 3, views: 10 },
} satisfies ProfileCreateInput;

/** The PII values of {@link jane}: none may appear in a masked response. */
export const janePii = [
  "Janina",
  "Kowalska",
  "1990-04-02",
  "Janina.K@Example.com",
  "janina.k@example.com",
  "600-100-200",
  "+48600100200",
  "Gdańsk",
  "Długa 12",
  "crm-7731",
  "pk-7731",
];

/** A named profile with an email, for list and search tests. */
export function person(id: string, firstname: string, lastname: string, visits = 0) {
  return {
    id,
    data: {
      pii: { firstname, lastname },
      contact: { email: { main: `${firstname}.${lastname}@example.org`.toLowerCase() } },
    },
    stats: { visits },
  } satisfies ProfileCreateInput;
}
