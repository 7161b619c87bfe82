import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { subjects } from "./subjects.js";
import { teams } from "./teams.js";

/**
 * A presigned upload: the browser or script PUTs straight to object storage, then calls
 * addSubjectImage(uploadId). The row pins what was promised (size, type) and expires.
 */
export const uploads = pgTable(
  "uploads",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    subjectId: uuid()
      .notNull()
      .references(() => subjects.id, { onDelete: "cascade" }),
    objectKey: text().notNull(),
    filename: text().notNull(),
    contentType: text().notNull(),
    byteSize: bigint({ mode: "number" }).notNull(),
    expiresAt: timestamp({ withTimezone: true }).notNull(),
    consumedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("uploads_object_key_idx").on(t.objectKey),
    check("uploads_content_type", sql`${t.contentType} in ('image/jpeg', 'image/png', 'image/webp')`),
    check("uploads_byte_size", sql`${t.byteSize} between 1 and 26214400`),
  ],
);

/** A validated subject photo: the original object (what training reads) and an oriented display copy. */
export const subjectImages = pgTable(
  "subject_images",
  {
    id: uuid().primaryKey().defaultRandom(),
    teamId: uuid()
      .notNull()
      .references(() => teams.id, { onDelete: "cascade" }),
    subjectId: uuid()
      .notNull()
      .references(() => subjects.id, { onDelete: "cascade" }),
    objectKey: text().notNull(),
    displayKey: text().notNull(),
    filename: text().notNull(),
    contentType: text().notNull(),
    byteSize: bigint({ mode: "number" }).notNull(),
    sha256: text().notNull(),
    width: integer().notNull(),
    height: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("subject_images_subject_idx").on(t.subjectId, t.createdAt),
    uniqueIndex("subject_images_object_key_idx").on(t.objectKey),
    check("subject_images_dims", sql`${t.width} > 0 and ${t.height} > 0`),
    check("subject_images_sha256", sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
  ],
);
