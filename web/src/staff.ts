// Whether the signed-in person is staff: GET /api/v1/me/staff, asked once per session, kept for
// the navigation's link to /admin and for the console itself. The API is what refuses (each admin
// route checks the role): this only decides what is shown.
import { effect, signal } from "@preact/signals";
import { api, errorText, ok, token } from "./session";

export type StaffAccess = "checking" | "allowed" | "refused";
export const staffAccess = signal<StaffAccess>("checking");
/** A failure to ask (e.g. no connection): asked again next time. */
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
  ok(api.GET("/api/v1/me/staff")).then(
    (me) => (staffAccess.value = me.staff_role ? "allowed" : "refused"),
    (e) => {
      askedFor = null;
      staffCheckError.value = errorText(e);
    },
  );
}
