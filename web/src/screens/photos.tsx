// The own photos on the profile screen: upload (with a preview of the chosen file before it is
// sent), reorder by dragging or with the move buttons (the keyboard's way), and delete. The server
// decides what an image is (from the bytes); its problems are shown in its words.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { api, imageUpload, me, ok } from "../session";
import { t } from "../strings";
import { Confirm, ErrorBox, Field, Notice, useRun } from "../ui";

type Photo = Schemas["Photo"];
const MAX_PHOTOS = 6;

/** A photo chosen and previewed but not uploaded yet: the profile's save must not leave it behind. */
export const photoNotUploaded = signal(false);

export function PhotosSection() {
  const [photos, setPhotos] = useState<Photo[]>(() => me.value?.photos ?? []);
  const [file, setFile] = useState<File | null>(null);
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [pendingDelete, setPendingDelete] = useState<string | null>(null);
  const [dragged, setDragged] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const { busy, error, setError, run: runAction } = useRun();
  // A new key empties the file input after an upload or a cancel.
  const [inputKey, setInputKey] = useState(0);

  useEffect(
    () => () => {
      photoNotUploaded.value = false;
    },
    [],
  );
  // The photos' signed URLs last 15 minutes: ask for fresh ones whenever the screen opens.
  useEffect(() => {
    ok(api.GET("/api/v1/me")).then(
      (profile) => keep(profile.photos ?? []),
      () => undefined, // the profile screen shows the problem of its own calls; the old URLs stay
    );
  }, []);

  // The preview is an object URL of the chosen file: released when another is chosen or on leaving.
  useEffect(() => {
    photoNotUploaded.value = file !== null;
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreviewUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const keep = (next: Photo[]) => {
    setPhotos(next);
    if (me.value) me.value = { ...me.value, photos: next };
  };
  const run = (work: () => Promise<void>) => {
    setStatus(null);
    return runAction(work);
  };

  const upload = () =>
    run(async () => {
      if (!file) return;
      setStatus(t.uploading);
      const photo = await ok(api.POST("/api/v1/me/media", imageUpload(file))).catch((e) => {
        setStatus(null);
        throw e;
      });
      keep([...photos, photo]);
      clearChoice();
      setStatus(t.photoUploaded);
    });

  const clearChoice = () => {
    setFile(null);
    setPreviewUrl(null);
    setInputKey((k) => k + 1);
  };

  const move = (from: number, to: number) =>
    run(async () => {
      if (to < 0 || to >= photos.length || from === to) return;
      const order = [...photos];
      const [moved] = order.splice(from, 1);
      order.splice(to, 0, moved!);
      const saved = await ok(api.PUT("/api/v1/me/media/order", { body: { media_ids: order.map((p) => p.media_id) } }));
      keep(saved.photos ?? order);
      setStatus(t.photosReordered(order.length, to + 1));
    });

  const remove = (mediaId: string) =>
    run(async () => {
      await ok(api.DELETE("/api/v1/me/media/{media_id}", { params: { path: { media_id: mediaId } } }));
      keep(photos.filter((p) => p.media_id !== mediaId));
      setPendingDelete(null);
      setStatus(t.photoDeleted);
    });

  const n = photos.length;
  return (
    <section aria-labelledby="photos-title" class="photos-section">
      <h2 id="photos-title">{t.photos}</h2>
      <p class="hint">{t.photosIntro}</p>
      {n === 0 ? (
        <p>{t.noPhotos}</p>
      ) : (
        <ol class="photos">
          {photos.map((p, i) => (
            <li
              key={p.media_id}
              draggable
              class={over === i && dragged !== i ? "drop-target" : ""}
              onDragStart={(e) => {
                setDragged(i);
                e.dataTransfer?.setData("text/plain", String(i));
              }}
              onDragOver={(e) => {
                e.preventDefault();
                setOver(i);
              }}
              onDragLeave={() => setOver(null)}
              onDrop={(e) => {
                e.preventDefault();
                const from = dragged ?? Number(e.dataTransfer?.getData("text/plain"));
                setDragged(null);
                setOver(null);
                void move(from, i);
              }}
              onDragEnd={() => {
                setDragged(null);
                setOver(null);
              }}
            >
              <img src={p.thumbnail_url} alt={t.photoAlt(i + 1, n)} width={160} height={160} />
              <div class="actions">
                <button type="button" class="secondary" aria-label={t.moveEarlier(i + 1)} disabled={busy || i === 0} onClick={() => void move(i, i - 1)}>
                  {t.earlier}
                </button>
                <button type="button" class="secondary" aria-label={t.moveLater(i + 1)} disabled={busy || i === n - 1} onClick={() => void move(i, i + 1)}>
                  {t.later}
                </button>
                <button type="button" class="secondary" aria-label={t.deletePhoto(i + 1)} disabled={busy} onClick={() => setPendingDelete(p.media_id)}>
                  {t.delete}
                </button>
              </div>
              {pendingDelete === p.media_id && (
                <Confirm question={t.deletePhotoConfirm(i + 1)} busy={busy} onYes={() => void remove(p.media_id)} onCancel={() => setPendingDelete(null)} />
              )}
            </li>
          ))}
        </ol>
      )}
      {n >= MAX_PHOTOS ? (
        <p>{t.photoLimit}</p>
      ) : (
        <Field label={t.choosePhoto} id="photo_file">
          <input
            key={inputKey}
            id="photo_file"
            type="file"
            accept="image/jpeg,image/png,image/webp,image/heic"
            onChange={(e) => {
              const chosen = e.currentTarget.files?.[0] ?? null;
              setError(null);
              setStatus(null);
              setFile(chosen);
              if (!chosen) setPreviewUrl(null);
            }}
          />
        </Field>
      )}
      {file && (
        <div class="upload-preview">
          {/* Only an image can be previewed; anything else still goes to the server, which says why it refuses it. */}
          {previewUrl && file.type.startsWith("image/") ? <img src={previewUrl} alt={t.preview} width={200} height={200} /> : <p>{file.name}</p>}
          <div class="actions">
            <button type="button" disabled={busy} onClick={() => void upload()}>
              {t.uploadPhoto}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={clearChoice}
            >
              {t.cancel}
            </button>
          </div>
        </div>
      )}
      <ErrorBox error={error} />
      <Notice text={status} />
    </section>
  );
}
