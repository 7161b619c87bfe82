import { apiQueries, type DbHandle } from "@studio/db";

/**
 * Exports and imports of models. Exports are read by id or checkpoint: the service authorizes them
 * through the checkpoint (readable by the caller); imports and their uploads are scoped to a team.
 */
export class TransfersRepository {
  constructor(private readonly handle: DbHandle) {}

  createOrReuseExport(e: apiQueries.NewModelExport) {
    return apiQueries.createOrReuseExport(this.handle.db, e);
  }
  getExport(id: string) {
    return apiQueries.getExport(this.handle.db, id);
  }
  exportsByCheckpointIds(checkpointIds: readonly string[]) {
    return apiQueries.exportsByCheckpointIds(this.handle.db, checkpointIds);
  }
  insertImportUpload(u: Parameters<typeof apiQueries.insertImportUpload>[1]) {
    return apiQueries.insertImportUpload(this.handle.db, u);
  }
  importUploads(teamId: string, ids: readonly string[]) {
    return apiQueries.importUploadsByIds(this.handle.db, teamId, ids);
  }
  deleteImportUploads(teamId: string, ids: readonly string[]) {
    return apiQueries.deleteImportUploads(this.handle.db, teamId, ids);
  }
  createImport(uploadIds: readonly string[], i: apiQueries.NewModelImport) {
    return apiQueries.createImport(this.handle.db, uploadIds, i);
  }
  getImport(teamId: string, id: string) {
    return apiQueries.getImport(this.handle.db, teamId, id);
  }
}
