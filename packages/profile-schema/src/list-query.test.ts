import { describe, expect, it } from "vitest";

import { ListQuery, profileSortKeys } from "./list-query";

describe("ListQuery", () => {
  it("fills the defaults", () => {
    expect(ListQuery.parse({})).toEqual({
      sort: "inserted_at",
      order: "desc",
      limit: 50,
      withTotal: false,
    });
  });

  it("takes a search, a condition, a sort and a cursor", () => {
    expect(
      ListQuery.parse({
        search: "  ada ",
        condition: { and: [{ field: "stats.visits", op: "gt", value: 1 }] },
        sort: "visits",
        order: "asc",
        cursor: null,
        limit: 200,
        withTotal: true,
      }),
    ).toEqual({
      search: "ada",
      condition: { field: "stats.visits", op: "gt", value: 1 },
      sort: "visits",
      order: "asc",
      cursor: null,
      limit: 200,
      withTotal: true,
    });
  });

  it("lists the ten sort keys", () => {
    expect(profileSortKeys).toEqual([
      "inserted_at",
      "updated_at",
      "visit_last",
      "email",
      "phone",
      "lastname",
      "display_name",
      "country",
      "visits",
      "views",
    ]);
  });

  it("refuses bad input with paths", () => {
    const paths = (input: unknown) =>
      ListQuery.safeParse(input).error?.issues.map((i) => i.path.join("."));
    expect(paths({ limit: 0 })).toEqual(["limit"]);
    expect(paths({ limit: 201 })).toEqual(["limit"]);
    expect(paths({ limit: 1.5 })).toEqual(["limit"]);
    expect(paths({ sort: "firstname" })).toEqual(["sort"]);
    expect(paths({ order: "up" })).toEqual(["order"]);
    expect(paths({ search: "x".repeat(201) })).toEqual(["search"]);
    expect(paths({ condition: { field: "data.pii.nick", op: "eq", value: 1 } })).toEqual([
      "condition.field",
    ]);
  });
});
