// Photos on the profile screen with real files (tests/fixtures: a JPEG and a PNG): a file that is
// not an image is refused by the server in words; the JPEG is previewed, then uploaded; the PNG
// too; the order changes with the keyboard's move button and by dragging (the server's order is
// read back through the API); a reload keeps it; a delete asks first.
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { consoleErrors, signUpThroughTheApp, uniqueEmail } from "./helpers";
import { checkScreen } from "./screens";

const JPEG = "tests/fixtures/sunset.jpg";
const PNG = "tests/fixtures/lagoon.png";

/** The own photos' ids in the server's order, asked with the page's own session. */
function serverOrder(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const r = await fetch("/api/v1/me", { headers: { Authorization: `Bearer ${localStorage.getItem("pm.session")}` } });
    return ((await r.json()).photos ?? []).map((p: { media_id: string }) => p.media_id);
  });
}

async function loaded(page: Page, alt: string): Promise<void> {
  const img = page.getByRole("img", { name: alt });
  await expect(img).toBeVisible();
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
}

test("photos: a non-image refused in words, upload with preview, reorder by keyboard and drag, delete", async ({ page }) => {
  const errors = consoleErrors(page);
  await signUpThroughTheApp(page, { email: uniqueEmail("pia"), firstName: "Pia", birthDate: "1993-03-03" });
  const photos = page.getByRole("region", { name: "Photos" });
  await expect(photos.getByText("No photos yet.")).toBeVisible();

  // Not an image: the server decides from the bytes, and its problem is shown in words.
  await photos.getByLabel("Add a photo").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("just some words, not a picture") });
  await photos.getByRole("button", { name: "Upload this photo" }).click();
  await expect(photos.getByRole("alert")).toContainText(/JPEG|image/i);
  await expect(photos.getByRole("alert")).not.toContainText("{");

  // The JPEG: previewed before it is sent, then stored.
  await photos.getByLabel("Add a photo").setInputFiles(JPEG);
  await loaded(page, "Preview of the photo to upload");
  // Saving the profile now would leave the chosen photo behind: the app says so instead.
  await page.getByRole("button", { name: /^Save/ }).click();
  await expect(page.getByText("You chose a photo but have not uploaded it yet")).toBeVisible();
  await photos.getByRole("button", { name: "Upload this photo" }).click();
  await expect(photos.getByText("Photo added.")).toBeVisible();
  await loaded(page, "Your photo 1 of 1");
  await expect(photos.getByRole("alert")).toHaveCount(0);
  await photos.getByLabel("Add a photo").setInputFiles({ name: "lagoon.png", mimeType: "image/png", buffer: readFileSync(PNG) });
  await photos.getByRole("button", { name: "Upload this photo" }).click();
  await loaded(page, "Your photo 2 of 2");
  const [jpeg, png] = await serverOrder(page);
  expect(jpeg && png).toBeTruthy();
  await checkScreen(page, "profile-photos");

  // The keyboard's way: focus "Move photo 2 earlier" and press Enter.
  await photos.getByRole("button", { name: "Move photo 2 earlier" }).focus();
  await page.keyboard.press("Enter");
  await expect(photos.getByText("Photo moved: it is now number 1 of 2.")).toBeVisible();
  expect(await serverOrder(page)).toEqual([png, jpeg]);

  // Dragging the second photo onto the first puts it first again.
  await photos.locator("ol.photos > li").nth(1).dragTo(photos.locator("ol.photos > li").nth(0));
  await expect.poll(() => serverOrder(page)).toEqual([jpeg, png]);

  // A reload shows the same order; a delete asks first.
  await page.reload();
  await loaded(page, "Your photo 2 of 2");
  await photos.getByRole("button", { name: "Delete photo 1" }).click();
  await expect(photos.getByText("Delete photo 1? This cannot be undone.")).toBeVisible();
  await photos.getByRole("button", { name: "Yes, do it" }).click();
  await expect(photos.getByText("Photo deleted.")).toBeVisible();
  await loaded(page, "Your photo 1 of 1");
  expect(await serverOrder(page)).toEqual([png]);
  expect(errors).toEqual([]);
});
