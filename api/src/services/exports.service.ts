import { CHANNELS } from "@studio/db";
import { badInput, notFound } from "../errors.js";
import type { CheckpointModel, ModelExportModel, Principal } from "../models.js";
import type { LiveFailure, LiveHub } from "./live-hub.js";
import type { ApiData } from "../data.js";
import type { ArchiveTokens } from "../lib/archive-token.js";
import { isUuid } from "../lib/ids.js";
import type { RunsService } from "./runs.service.js";
import type { SharesService } from "./shares.service.js";

export type ExportFormat = "DIFFUSERS" | "SINGLE_FILE" | "CHECKPOINT";
const FORMATS: readonly ExportFormat[] = ["DIFFUSERS", "SINGLE_FILE", "CHECKPOINT"];
const FOLDER_NAME: Record<ExportFormat, string> = { DIFFUSERS: "diffusers", SINGLE_FILE: "single-file", CHECKPOINT: "checkpoint" };

/** One file of an archive to stream: its path inside the tar and where its bytes are. */
export interface ArchiveEntry {
  path: string;
  objectKey: string;
  sizeBytes: number;
}

/** What ExportsService reads and writes. */
export type ExportsData = Pick<ApiData, "createOrReuseExport" | "getExport" | "exportsByCheckpointIds">;

/**
 * Exports of checkpoints for other tools (a trainer's engine writes them; docs/platform-contract.md).
 * Every role may export and download (VIEWER included: view, prompt, download); a prompt-only share
 * link may not. An export is authorized through its checkpoint: whoever can read the checkpoint can
 * read its exports, and a checkpoint of another team (not shared) is NOT_FOUND.
 */
export class ExportsService {
  constructor(
    private readonly data: ExportsData,
    private readonly runs: RunsService,
    private readonly sharing: SharesService,
    private readonly live: LiveHub,
    private readonly tokens: ArchiveTokens,
    private readonly opts: { pollMs: number; publicUrl: () => string },
  ) {}

  async exportCheckpoint(p: Principal, checkpointId: string, format: ExportFormat, half: boolean): Promise<ModelExportModel> {
    this.sharing.requireDownload(p);
    const checkpoint = await this.runs.checkpoint(p, checkpointId);
    if (!checkpoint) throw notFound("checkpoint");
    if (!FORMATS.includes(format)) throw badInput("format", `format must be one of ${FORMATS.join(", ")}`);
    if (half && format !== "SINGLE_FILE") throw badInput("half", "half (float16) applies to SINGLE_FILE exports only");
    // The export belongs to the checkpoint's team (its files live under that team's prefix), and is
    // shared by everyone who can read the checkpoint: checkpoints are immutable.
    const { row } = await this.data.createOrReuseExport({
      teamId: checkpoint.teamId,
      checkpointId: checkpoint.id,
      runId: checkpoint.runId,
      format,
      half,
      requestedBy: p.link ? null : p.userId,
    });
    return row;
  }

  /** The export, when the caller can read its checkpoint; otherwise null (as if it did not exist). */
  async get(p: Principal, id: string): Promise<ModelExportModel | null> {
    if (!isUuid(id)) return null;
    const e = await this.data.getExport(id);
    if (!e || !(await this.runs.checkpoint(p, e.checkpointId))) return null;
    return e;
  }

  /** Exports of a checkpoint the caller has already read (Checkpoint.exports); none for a prompt-only link. */
  async ofCheckpoint(p: Principal, checkpoint: CheckpointModel): Promise<ModelExportModel[]> {
    if (!this.sharing.canDownload(p)) return [];
    return this.data.exportsByCheckpointIds([checkpoint.id]);
  }

  /**
   * `/exports/{id}.tar?token=…` on this API, or null until the export SUCCEEDED. The token names the
   * caller's key or share link: the download checks again that it may still read the export.
   */
  archiveUrl(p: Principal, e: ModelExportModel): string | null {
    if (e.state !== "SUCCEEDED" || !this.sharing.canDownload(p)) return null;
    const { token } = this.tokens.issue(e.id, p.link ? { kind: "link", id: p.link.shareId } : { kind: "key", id: p.keyId });
    return `${this.opts.publicUrl()}/exports/${e.id}.tar?token=${encodeURIComponent(token)}`;
  }

  /**
   * The archive to stream for a valid token, while the key or share link it was issued to still exists
   * and may still download the export (a revoked key, removed member, revoked or expired share: null).
   */
  async archive(exportId: string, token: string): Promise<{ filename: string; entries: ArchiveEntry[] } | null> {
    const grant = isUuid(exportId) ? this.tokens.verify(exportId, token) : null;
    if (!grant) return null;
    const p = await this.sharing.principalOfGrant(grant);
    if (!p || !this.sharing.canDownload(p)) return null;
    const e = await this.get(p, exportId);
    if (!e || e.state !== "SUCCEEDED") return null;
    const root = archiveRoot(e);
    return {
      filename: `${root}.tar`,
      entries: [...e.files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => ({ path: `${root}/${f.name}`, objectKey: f.objectKey, sizeBytes: f.sizeBytes })),
    };
  }

  /** The export now, then each time it changes, ending after SUCCEEDED or FAILED. */
  async updates(p: Principal, id: string): Promise<AsyncIterableIterator<ModelExportModel | LiveFailure>> {
    if (!(await this.get(p, id))) throw notFound("export");
    return this.live.follow({
      key: `export:${id}`,
      channel: CHANNELS.transfers,
      matches: (n) => n.kind === "export" && n.id === id,
      read: () => this.get(p, id),
      fingerprint: (e) => JSON.stringify([e.state, e.files.length, e.errorCode]),
      isFinal: (e) => e.state === "SUCCEEDED" || e.state === "FAILED",
    });
  }
}

/** The archive's top folder (and file name): what it is, and which export. */
export function archiveRoot(e: Pick<ModelExportModel, "id" | "format" | "half">): string {
  return `model-${FOLDER_NAME[e.format]}${e.half ? "-fp16" : ""}-${e.id.slice(0, 8)}`;
}
