// Whether the signed-in person is staff. No route says so directly (GET /me carries no role): the
// app asks an admin route once per session (a moderator's, the least an admin route needs) and keeps
// the answer for the navigation's link to /admin and for the console itself. The API is what
// refuses: this only decides what is shown.
import { effect, signal } from "@preact/signals";
import { ApiError, api, errorText, ok, token } from "./session";

export type StaffAccess = "checking" | "allowed" | "refused";
export const staffAccess = signal<StaffAccess>("checking");
/** A failure other than the API's 403 (e.g. no connection): asked again next time. */
export const staffCheckError = signal<string | null>(null);
let askedFor: string | null = null;

// Another session (a sign-out, then someone else signs in): nothing known until asked again, so no
// link of the last person's shows meanwhile.
effect(() => {
  if (token.value === askedFor) return;
  askedFor = null;
  staffAccess.value = "checking";
  staffCheckError.value = null;
});

export function checkStaff(): void {
  if (!token.value || askedFor === token.value) return;
  askedFor = token.value;
  staffAccess.value = "checking";
  staffCheckError.value = null;
  ok(api.GET("/api/v1/admin/reports", { params: { query: { limit: 1 } } })).then(
    () => (staffAccess.value = "allowed"),
    (e) => {
      if (e instanceof ApiError && e.status === 403) staffAccess.value = "refused";
      else {
        askedFor = null;
        staffCheckError.value = errorText(e);
      }
    },
  );
}
