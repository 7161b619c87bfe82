"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { AddSubjectImageMutation, CreateImageUploadMutation, RemoveSubjectImageMutation, SubjectImageFieldsFragment, SubjectQuery } from "@/generated/graphql";
import { ADD_SUBJECT_IMAGE, CREATE_IMAGE_UPLOAD, REMOVE_SUBJECT_IMAGE, SUBJECT_QUERY } from "@/graphql/subjects";
import { errorText, GraphQLRequestError } from "@/lib/graphql";
import { useSession } from "@/lib/session";
import { sniffFile } from "./sniff";

type SubjectT = NonNullable<SubjectQuery["subject"]>;
interface UploadItem {
  key: number;
  name: string;
  /** 0–1 of the upload POST. */
  progress: number;
  status: "waiting" | "uploading" | "checking" | "done" | "failed";
  error?: string;
}

/**
 * POSTs the presigned policy's form fields and then the file (storage refuses another size or type),
 * with XMLHttpRequest, because fetch cannot report upload progress.
 */
function postWithProgress(url: string, fields: Record<string, string>, file: File, onProgress: (f: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", file); // last: storage ignores fields after the file
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`storage answered HTTP ${xhr.status}`)));
    xhr.onerror = () => reject(new Error("the upload could not reach object storage"));
    xhr.send(form);
  });
}

let uploadKey = 0;

export function SubjectDetail({ subjectId }: { subjectId: string }) {
  const session = useSession();
  const [subject, setSubject] = useState<SubjectT | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const inputRef = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    try {
      const d = await session.request<SubjectQuery>(SUBJECT_QUERY, { id: subjectId });
      setSubject(d.subject);
    } catch (err) {
      if (err instanceof GraphQLRequestError && err.code === "NOT_FOUND") setSubject(null);
      else setError(errorText(err));
    }
  }, [session, subjectId]);
  useEffect(() => void load(), [load]);

  const update = (key: number, patch: Partial<UploadItem>) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));

  const uploadOne = async (file: File, key: number) => {
    update(key, { status: "uploading" });
    try {
      const type = await sniffFile(file);
      if (!type) {
        update(key, { status: "failed", error: `${file.name} is not a JPEG, PNG or WebP image (checked before uploading; nothing was sent).` });
        return;
      }
      const up = await session.request<CreateImageUploadMutation>(CREATE_IMAGE_UPLOAD, {
        subjectId,
        filename: file.name,
        contentType: type,
        byteSize: file.size,
      });
      await postWithProgress(up.createImageUpload.url, (up.createImageUpload.fields ?? {}) as Record<string, string>, file, (p) => update(key, { progress: p }));
      update(key, { status: "checking", progress: 1 });
      const added = await session.request<AddSubjectImageMutation>(ADD_SUBJECT_IMAGE, { subjectId, uploadId: up.createImageUpload.uploadId });
      setSubject((s) => (s ? { ...s, images: [...s.images, added.addSubjectImage] } : s));
      update(key, { status: "done" });
    } catch (err) {
      update(key, { status: "failed", error: errorText(err) });
    }
  };

  const addFiles = (files: FileList | File[]) => {
    const list = [...files];
    const items = list.map((f) => ({ key: ++uploadKey, name: f.name, progress: 0, status: "waiting" as const }));
    setUploads((u) => [...u, ...items]);
    // One at a time, in the order chosen: training reads the photos in upload order.
    list.forEach((f, i) => {
      queue.current = queue.current.then(() => uploadOne(f, items[i]!.key));
    });
  };

  const remove = async (img: SubjectImageFieldsFragment) => {
    try {
      await session.request<RemoveSubjectImageMutation>(REMOVE_SUBJECT_IMAGE, { id: img.id });
      setSubject((s) => (s ? { ...s, images: s.images.filter((i) => i.id !== img.id) } : s));
    } catch (err) {
      setError(errorText(err));
    }
  };

  if (subject === null)
    return (
      <section className="panel" data-testid="not-found">
        <h1>Subject not found</h1>
        <Link href="/subjects">All subjects</Link>
      </section>
    );
  if (subject === undefined)
    return error ? (
      <p className="error" role="alert">
        {error}
      </p>
    ) : (
      <p className="skeleton" role="status">
        Loading subject…
      </p>
    );

  return (
    <div className="stack">
      <div className="page-head">
        <div>
          <h1>{subject.name}</h1>
          <p className="subtle">
            {subject.classNoun} · {subject.kind === "LIVE" ? "live subject" : "object"} · <span data-testid="image-count">{subject.images.length}</span> photos (4–6 work best)
          </p>
        </div>
        <Link className="btn btn-primary" href={`/runs/new?subject=${subject.id}`}>
          Start a run
        </Link>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <section className="panel" aria-labelledby="photos-title">
        <h2 id="photos-title">Photos</h2>
        {subject.images.length === 0 ? (
          <p className="subtle">No photos yet.</p>
        ) : (
          <div className="image-grid" data-testid="subject-images">
            {subject.images.map((img) => (
              <figure key={img.id} className="image-tile" data-testid="subject-image">
                <img src={img.url} alt={img.filename} className="thumb" width={img.width} height={img.height} />
                <figcaption>
                  <span>{img.filename}</span>
                  <button type="button" className="btn btn-small" onClick={() => void remove(img)} aria-label={`Remove ${img.filename}`}>
                    Remove
                  </button>
                </figcaption>
              </figure>
            ))}
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="upload-title">
        <h2 id="upload-title">Upload photos</h2>
        <div
          className={`dropzone${over ? " over" : ""}`}
          data-testid="dropzone"
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            if (e.dataTransfer.files.length) addFiles(e.dataTransfer.files);
          }}
        >
          <p>Drop JPEG, PNG or WebP photos here, or</p>
          <label className="btn">
            Choose files…
            <input
              ref={inputRef}
              type="file"
              multiple
              accept="image/jpeg,image/png,image/webp"
              className="sr-only"
              data-testid="file-input"
              onChange={(e) => {
                if (e.target.files?.length) addFiles(e.target.files);
                e.target.value = "";
              }}
            />
          </label>
        </div>
        {uploads.length > 0 && (
          <ul className="uploads" aria-label="Uploads">
            {uploads.map((u) => (
              <li key={u.key} data-testid="upload-item" data-status={u.status} data-name={u.name}>
                <span>
                  {u.name} <span className="subtle">— {u.status === "checking" ? "checking…" : u.status}</span>
                </span>
                <progress max={1} value={u.progress} aria-label={`Upload of ${u.name}`} />
                {u.error && (
                  <p className="error" role="alert" data-testid="upload-error">
                    {u.error}
                  </p>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section className="panel" aria-labelledby="subject-runs">
        <h2 id="subject-runs">Runs</h2>
        {subject.runs.length === 0 ? (
          <p className="subtle">No runs yet.</p>
        ) : (
          <ul>
            {subject.runs.map((r) => (
              <li key={r.id}>
                <Link href={`/runs/${r.id}`}>
                  {r.method} · {new Date(r.createdAt).toLocaleString()}
                </Link>{" "}
                <span className={`badge state-${r.state}`}>{r.state}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
