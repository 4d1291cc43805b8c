// Onboarding and later edits: the profile (PATCH /me), the location (the browser's, or a city) and
// the matching preferences (PUT /me/preferences).
import { useEffect, useState } from "preact/hooks";
import type { Schemas } from "../api/client";
import { go } from "../router";
import { api, errorText, FormError, me, notice, ok } from "../session";
import { t } from "../strings";
import { ErrorBox, Field, FieldProblems, Notice, Options, Pending, useRun } from "../ui";
import { PhotosSection, photoNotUploaded } from "./photos";

// The demo data's cities (src/demo/cities.cpp), so a new person can meet the demo users.
export const CITIES: Schemas["Location"][] = [
  { label: "New York, NY", latitude: 40.7128, longitude: -74.006 },
  { label: "London, UK", latitude: 51.5074, longitude: -0.1278 },
  { label: "Paris, France", latitude: 48.8566, longitude: 2.3522 },
  { label: "Berlin, Germany", latitude: 52.52, longitude: 13.405 },
  { label: "Madrid, Spain", latitude: 40.4168, longitude: -3.7038 },
  { label: "Toronto, Canada", latitude: 43.6532, longitude: -79.3832 },
  { label: "Chicago, IL", latitude: 41.8781, longitude: -87.6298 },
  { label: "San Francisco, CA", latitude: 37.7749, longitude: -122.4194 },
  { label: "Sydney, Australia", latitude: -33.8688, longitude: 151.2093 },
  { label: "Amsterdam, Netherlands", latitude: 52.3676, longitude: 4.9041 },
  { label: "Dublin, Ireland", latitude: 53.3498, longitude: -6.2603 },
  { label: "Austin, TX", latitude: 30.2672, longitude: -97.7431 },
];

function nearestCity(lat: number, lon: number): string {
  let best = CITIES[0]!;
  let bestD = Infinity;
  for (const c of CITIES) {
    const d = (c.latitude - lat) ** 2 + ((c.longitude - lon) * Math.cos((lat * Math.PI) / 180)) ** 2;
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD < 1 ? best.label : t.myLocation;
}

export function ProfileScreen() {
  const profile = me.value;
  const [prefs, setPrefs] = useState<Schemas["Preferences"] | null>(null);
  const [form, setForm] = useState(() => ({
    first_name: profile?.first_name ?? "",
    last_name: profile?.last_name ?? "",
    birth_date: profile?.birth_date ?? "",
    gender: profile?.gender ?? "woman",
    seeking_gender: profile?.seeking_gender ?? "everyone",
    bio: profile?.bio ?? "",
  }));
  const [location, setLocation] = useState<Schemas["Location"] | null>(profile?.location ?? null);
  const { busy, error, setError, problems, run } = useRun();
  const [status, setStatus] = useState<string | null>(notice.value);

  useEffect(() => {
    notice.value = null;
    ok(api.GET("/api/v1/me/preferences")).then(setPrefs, (e) => setError(errorText(e)));
  }, []);
  if (!profile || !prefs) return <Pending error={error} />;

  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });
  const setPref = (k: "min_age" | "max_age" | "max_distance") => (e: Event) =>
    setPrefs({ ...prefs, [k]: Number((e.currentTarget as HTMLInputElement).value) });

  const locate = () => {
    setStatus(t.locating);
    if (!navigator.geolocation) {
      setStatus(t.geoFailed);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const { latitude, longitude } = pos.coords;
        setLocation({ label: nearestCity(latitude, longitude), latitude, longitude });
        setStatus(null);
      },
      () => setStatus(t.geoFailed),
      { timeout: 10000 },
    );
  };

  return (
    <main>
      <h1>{t.profileTitle}</h1>
      <p>{t.profileIntro}</p>
      <Notice text={status} />
      <PhotosSection />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setStatus(null);
          void run(async () => {
            if (photoNotUploaded.value) throw new FormError(t.photoNotUploaded);
            if (prefs.min_age > prefs.max_age) throw new FormError(t.agesInverted, { min_age: t.agesInverted });
            const updated = await ok(
              api.PATCH("/api/v1/me", {
                body: {
                  first_name: form.first_name,
                  last_name: form.last_name || null,
                  birth_date: form.birth_date,
                  gender: form.gender as Schemas["Gender"],
                  seeking_gender: form.seeking_gender as Schemas["SeekingGender"],
                  bio: form.bio.trim() || null,
                  ...(location ? { location } : {}),
                },
              }),
            );
            await ok(
              api.PUT("/api/v1/me/preferences", {
                body: { min_age: prefs.min_age, max_age: prefs.max_age, max_distance: prefs.max_distance },
              }),
            );
            me.value = updated;
            if (!profile.profile_completed && updated.profile_completed) go("/questionnaire");
            // Saved, but matching still needs where they are (every other required field is the form's).
            else setStatus(updated.profile_completed ? t.saved : t.savedNeedsLocation);
          });
        }}
      >
        <FieldProblems.Provider value={problems}>
          <fieldset>
            <legend>{t.profile}</legend>
            <Field label={`${t.firstName} *`} id="first_name">
              <input id="first_name" required value={form.first_name} onInput={set("first_name")} />
            </Field>
            <Field label={t.lastName} id="last_name">
              <input id="last_name" value={form.last_name} onInput={set("last_name")} />
            </Field>
            <Field label={`${t.birthDate} *`} id="birth_date">
              <input id="birth_date" type="date" required value={form.birth_date} onInput={set("birth_date")} />
            </Field>
            <Field label={`${t.gender} *`} id="gender">
              <select id="gender" value={form.gender} onChange={set("gender")}>
                <Options labels={t.genders} />
              </select>
            </Field>
            <Field label={`${t.seeking} *`} id="seeking_gender">
              <select id="seeking_gender" value={form.seeking_gender} onChange={set("seeking_gender")}>
                <Options labels={t.seekingLabels} />
              </select>
            </Field>
            <Field label={t.bio} id="bio">
              <textarea id="bio" rows={4} maxLength={2000} value={form.bio} onInput={set("bio")} />
            </Field>
          </fieldset>
          <fieldset>
            <legend>{`${t.location} *`}</legend>
            <p class="current-location">{location ? location.label : t.noLocation}</p>
            <button type="button" class="secondary" onClick={locate}>
              {t.useMyLocation}
            </button>
            <Field label={t.chooseCity} id="city">
              <select
                id="city"
                value={CITIES.some((c) => c.label === location?.label) ? location!.label : ""}
                onChange={(e) => {
                  const c = CITIES.find((x) => x.label === e.currentTarget.value);
                  if (c) setLocation(c);
                }}
              >
                <option value="">{t.noCityChosen}</option>
                {CITIES.map((c) => (
                  <option value={c.label}>{c.label}</option>
                ))}
              </select>
            </Field>
          </fieldset>
          <fieldset>
            <legend>{t.preferences}</legend>
            <div class="row">
              <Field label={t.minAge} id="min_age">
                <input id="min_age" type="number" min={18} max={120} value={prefs.min_age} onInput={setPref("min_age")} />
              </Field>
              <Field label={t.maxAge} id="max_age">
                <input id="max_age" type="number" min={18} max={120} value={prefs.max_age} onInput={setPref("max_age")} />
              </Field>
              <Field label={t.maxDistance} id="max_distance">
                <input id="max_distance" type="number" min={1} max={20000} value={prefs.max_distance} onInput={setPref("max_distance")} />
              </Field>
            </div>
          </fieldset>
        </FieldProblems.Provider>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {profile.profile_completed ? t.save : t.saveAndContinue}
        </button>
      </form>
    </main>
  );
}
