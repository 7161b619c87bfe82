import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { choice, int, positionals, required, str, UsageError } from "./cli.args.js";
import { EXIT, type Command, type CommandContext } from "./cli.command.js";
import { table } from "./cli.output.js";
import { StudioError } from "./client.errors.js";
import { isImageFilename } from "./image.sniff.js";

const KINDS = { object: "OBJECT", live: "LIVE" } as const;

/** The folder's photos (jpg, jpeg, png, webp), sorted by name: the order training reads them. */
export async function photosIn(dir: string, usage: string): Promise<string[]> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${dir}: no such folder`, usage);
  const files = (await readdir(dir)).filter(isImageFilename).sort();
  if (files.length === 0) throw new UsageError(`${dir}: no .jpg, .jpeg, .png or .webp files`, usage);
  return files.map((f) => join(dir, f));
}

type UploadResult = { file: string; ok: true; image: { id: string; width: number; height: number } } | { file: string; ok: false; error: object };

const create: Command = {
  name: "subjects create",
  summary: "create a subject and upload every photo of a folder",
  usage: `usage: studio subjects create --name NAME --class NOUN [--kind object|live] FOLDER [--json]
  Uploads every .jpg/.jpeg/.png/.webp in FOLDER (sorted by name). A photo the API rejects is reported
  with its error code and the others still upload; the exit code is then 1 (the subject keeps the
  photos that were accepted). A missing folder or a bad class noun changes nothing (exit 2).`,
  options: { name: { type: "string" }, class: { type: "string" }, kind: { type: "string" } },
  async run(ctx: CommandContext) {
    const { values } = ctx.args;
    const [folder] = positionals(ctx.args, ["folder"], ctx.usage);
    const classNoun = required(values, "class", ctx.usage);
    const kind = choice(values, "kind", KINDS, ctx.usage) ?? "OBJECT";
    const dir = resolve(ctx.io.cwd, folder!);
    const files = await photosIn(dir, ctx.usage); // before creating anything: bad input changes nothing
    const name = str(values, "name") ?? classNoun;
    const client = ctx.client();
    const subject = await client.createSubject({ name, classNoun, kind });
    ctx.out.info(`created subject ${subject.id} (${subject.name}, ${subject.classNoun}); uploading ${files.length} photos`);
    const uploads: UploadResult[] = [];
    for (const file of files) uploads.push(await uploadOne(ctx, subject.id, file));
    const failed = uploads.filter((u) => !u.ok).length;
    ctx.out.result({ subject: { ...subject, images: undefined }, uploads, failed }, [subject.id]);
    if (failed) ctx.out.info(`${failed} of ${files.length} photos failed; the subject has ${files.length - failed}`);
    return failed ? EXIT.FAILED : EXIT.OK;
  },
};

async function uploadOne(ctx: CommandContext, subjectId: string, file: string): Promise<UploadResult> {
  const short = file.split("/").pop()!;
  try {
    const image = await ctx.client().uploadSubjectImage(subjectId, file);
    ctx.out.info(`  ✓ ${short}  ${image.width}×${image.height}`);
    return { file, ok: true, image: { id: image.id, width: image.width, height: image.height } };
  } catch (err) {
    if (!(err instanceof StudioError) || err.code === "UNREACHABLE" || err.code === "UNAUTHENTICATED") throw err;
    ctx.out.info(`  ✗ ${short}  ${err.describe()}`);
    return { file, ok: false, error: err.toJSON() };
  }
}

const list: Command = {
  name: "subjects list",
  summary: "the team's subjects, newest first",
  usage: "usage: studio subjects list [--first N] [--json]",
  options: { first: { type: "string" } },
  async run(ctx) {
    positionals(ctx.args, [], ctx.usage);
    const first = int(ctx.args.values, "first", 1, 100, ctx.usage) ?? 20;
    const page = await ctx.client().subjects({ first });
    const subjects = page.edges.map((e) => e.node);
    const rows = subjects.map((s) => [s.id, s.classNoun, s.kind.toLowerCase(), `${s.images.length} photos`, s.name]);
    ctx.out.result({ subjects, hasNextPage: page.pageInfo.hasNextPage }, rows.length ? table(rows) : ["no subjects yet"]);
    return EXIT.OK;
  },
};

export const subjectCommands = [create, list];
