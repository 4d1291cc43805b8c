// How the console writes dates and report reasons (the API's values, in the app's words).
import { t } from "../../strings";

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : t.none;
}

export function reasonName(reason: string | undefined): string {
  return (reason && t.reportReasons[reason]) || reason || t.none;
}
