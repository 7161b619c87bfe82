import { apiQueries, type DbHandle } from "@studio/db";

/** Subjects, their uploads and validated images. Every call is scoped to a team. */
export class SubjectsRepository {
  constructor(private readonly handle: DbHandle) {}
  private get db() {
    return this.handle.db;
  }

  insert(s: apiQueries.NewSubject) {
    return apiQueries.insertSubject(this.db, s);
  }
  get(teamId: string, id: string) {
    return apiQueries.getSubject(this.db, teamId, id);
  }
  byIds(teamId: string, ids: readonly string[]) {
    return apiQueries.subjectsByIds(this.db, teamId, ids);
  }
  list(teamId: string, limit: number, after?: string | null) {
    return apiQueries.listSubjects(this.db, teamId, limit, after);
  }
  insertUpload(u: apiQueries.NewUpload) {
    return apiQueries.insertUpload(this.db, u);
  }
  getUpload(teamId: string, id: string) {
    return apiQueries.getUpload(this.db, teamId, id);
  }
  insertImageConsumingUpload(uploadId: string, img: apiQueries.NewSubjectImage) {
    return apiQueries.insertImageConsumingUpload(this.db, uploadId, img);
  }
  getImage(teamId: string, id: string) {
    return apiQueries.getSubjectImage(this.db, teamId, id);
  }
  deleteImage(teamId: string, id: string) {
    return apiQueries.deleteSubjectImage(this.db, teamId, id);
  }
  imagesBySubjectIds(teamId: string, ids: readonly string[]) {
    return apiQueries.imagesBySubjectIds(this.db, teamId, ids);
  }
  countImages(teamId: string, subjectId: string) {
    return apiQueries.countSubjectImages(this.db, teamId, subjectId);
  }
}
