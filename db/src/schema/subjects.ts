import { sql } from "drizzle-orm";
import { check, index, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { teams } from "./teams.js";

/** OBJECT or LIVE decides which list of the DreamBooth evaluation prompts applies. */
export const subjectKind = pgEnum("subject_kind", ["OBJECT", "LIVE"]);

/** The thing being personalized: 4–6 photos of one object, named by its class noun ("backpack"). */
export const subjects = pgTable(
  "subjects",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    name: text().notNull(),
    classNoun: text().notNull(),
    kind: subjectKind().notNull().default("OBJECT"),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("subjects_team_created_idx").on(t.teamId, t.createdAt),
    check("subjects_name_length", sql`char_length(${t.name}) between 1 and 100`),
    check("subjects_class_noun_format", sql`${t.classNoun} ~ '^[a-z][a-z _-]{0,39}$'`),
  ],
);
