// The web app end to end in Chromium against a real server (web/test-e2e).
import { expect, test } from "@playwright/test";
import { checkScreen } from "./screens";
import { completePerson, consoleErrors, DEMO, demoUserWithMatches, like, matchBetween, PASSWORD, signInThroughTheApp, uniqueEmail } from "./helpers";


const REYKJAVIK = { label: "Reykjavik, Iceland", latitude: 64.1466, longitude: -21.9426 };

test("the server serves the app with its security headers, and the API's 404s stay problems", async ({ request }) => {
  const index = await request.get("/matches/some-client-route");
  expect(index.status()).toBe(200);
  expect(index.headers()["content-type"]).toContain("text/html");
  expect(index.headers()["cache-control"]).toBe("no-cache");
  const csp = index.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  const script = (await index.text()).match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  expect(script).toBeTruthy();
  const asset = await request.get(script!);
  expect(asset.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  const api404 = await request.get("/api/v1/no-such-route");
  expect(api404.status()).toBe(404);
  expect(api404.headers()["content-type"]).toBe("application/problem+json");
});

test("a new person signs up, fills the profile, answers questions, signs out and in again, and resumes", async ({ page }) => {
  const errors = consoleErrors(page);
  const email = uniqueEmail("newcomer");
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await checkScreen(page, "sign-in");
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await checkScreen(page, "sign-up");

  // The server's problems are shown in words, each beside its field, which is marked and takes the
  // focus: a birth date under 18, then (the date mended) a weak password.
  const birthDate = page.getByLabel("Birth date");
  const password = page.getByLabel("Password");
  await page.getByLabel("Email").fill(email);
  await password.fill("password12");
  await page.getByLabel("First name").fill("Noor");
  await birthDate.fill("2015-03-21");
  await page.getByLabel("I am").selectOption("woman");
  await page.getByLabel("I want to meet").selectOption("man");
  await page.getByRole("button", { name: "Create an account" }).click();
  await expect(page.getByRole("alert")).toHaveText("Birth date: you must be 18 or older to join.");
  await expect(birthDate).toHaveAttribute("aria-invalid", "true");
  await expect(birthDate, "the rule, then what broke it").toHaveAccessibleDescription("Members are 18 or older. You must be 18 or older to join.");
  await expect(birthDate).toBeFocused();
  await expect(password).not.toHaveAttribute("aria-invalid");
  await checkScreen(page, "sign-up with a field's problem");

  await birthDate.fill("1994-03-21");
  await page.getByRole("button", { name: "Create an account" }).click();
  await expect(page.getByRole("alert")).toContainText(/password/i);
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(password, "the rules, then what broke them").toHaveAccessibleDescription(/^At least 10 characters.*\. This password is one of the most common ones; choose another\.$/);
  await expect(password).toBeFocused();
  await expect(birthDate).not.toHaveAttribute("aria-invalid");

  await password.fill(PASSWORD);
  await page.getByRole("button", { name: "Create an account" }).click();

  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  await expect(page.getByRole("status").first()).toContainText(`verification link to ${email}`);
  await page.getByLabel("About me").fill("Climber, reader, bad at chess.");
  await checkScreen(page, "profile");
  // Saved without a place: the app says what matching still needs, and stays here.
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page.getByText("Saved. To be matched, add where you are")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Your profile" })).toBeVisible();
  // The browser is not allowed to tell where this person is: the app says so, and a city will do.
  await page.getByRole("button", { name: "Use my current location" }).click();
  await expect(page.getByText("Your browser did not share a location; choose a city instead.")).toBeVisible();
  await page.getByLabel("Or choose a city").selectOption("Berlin, Germany");
  await page.getByLabel("Oldest age").fill("45");
  await page.getByLabel("Maximum distance (km)").fill("100");
  // The ages the wrong way round: said in words before anything is sent.
  await page.getByLabel("Youngest age").fill("50");
  await page.getByRole("button", { name: "Save and continue" }).click();
  await expect(page.getByRole("alert")).toHaveText("The youngest age must not be above the oldest.");
  await expect(page.getByLabel("Youngest age")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Youngest age")).toHaveAccessibleDescription("The youngest age must not be above the oldest.");
  await expect(page.getByLabel("Youngest age")).toBeFocused();
  await page.getByLabel("Youngest age").fill("30");
  await page.getByRole("button", { name: "Save and continue" }).click();

  await expect(page.getByRole("heading", { name: "Questionnaire" })).toBeVisible();
  await expect(page.getByText(/^0 of \d+ answered$/)).toBeVisible();
  // On a free plan, the premium questions are counted once, a way to the plans (not in every block).
  await expect(page.getByRole("link", { name: /^\d+ premium questions? locked$/ })).toHaveCount(1);
  // The question's words sit inside its box, not across its border.
  const [box, words] = await Promise.all([
    page.locator("form.question fieldset").first().boundingBox(),
    page.locator("form.question legend").first().boundingBox(),
  ]);
  // (a legend on the border starts where the fieldset's box does; inside, below its border)
  expect(words!.y).toBeGreaterThan(box!.y + 1);
  let sliders = 0;
  for (let n = 1; n <= 4; n++) {
    if (await answerTheShownQuestion(page)) sliders++;
    await expect(page.getByText(new RegExp(`^${n} of \\d+ answered$`))).toBeVisible();
    // The first answer ("A long-term relationship") brings in the follow-up on how soon: the total
    // grows by one, and the app says why.
    if (n === 1) await expect(page.locator("p.notice")).toHaveText("Your answer added one follow-up question.");
  }
  expect(sliders, "the bank's fourth question is a slider: its range's check was tried").toBeGreaterThan(0);
  const next = await page.locator("form.question legend").first().textContent();
  await checkScreen(page, "questionnaire");

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await page.getByRole("link", { name: "Questionnaire" }).click();
  await expect(page.getByText(/^4 of \d+ answered$/)).toBeVisible();
  await expect(page.locator("form.question legend").first()).toHaveText(next ?? "");

  // An earlier answer, reviewed and changed: the first question was answered with its first option.
  await page.getByText(/^Your answers so far \(4\)/).click();
  const first = "What are you hoping to find on Perfect Match?";
  const given = page.locator("details.given-answers li").filter({ hasText: first });
  await expect(given.locator(".given")).toHaveText("A long-term relationship");
  await given.getByRole("button", { name: `Change your answer to: ${first}` }).click();
  await expect(page.getByRole("heading", { name: "Change your answer" })).toBeFocused();
  const changing = page.locator("form.question").filter({ hasText: first });
  await expect(changing.getByRole("radio", { name: "A long-term relationship" })).toBeChecked();
  await changing.getByRole("radio", { name: "Something casual for now" }).check();
  await changing.getByRole("button", { name: "Save answer" }).click();
  // Something casual hides the follow-up on how soon (branching): its answer is set aside, and said.
  await expect(page.locator("p.notice")).toHaveText(
    "Your answer is changed. One later question no longer applies: its answer is set aside.",
  );
  await expect(page.getByText(/^3 of \d+ answered$/)).toBeVisible();
  // Back at the question it was on, which has the focus again.
  await expect(page.locator("form.question legend").first()).toHaveText(next ?? "");
  await expect(page.locator("form.question legend").first()).toBeFocused();
  // The change is the server's, after a reload.
  await page.reload();
  await page.getByText(/^Your answers so far \(3\)/).click();
  await expect(given.locator(".given")).toHaveText("Something casual for now");
  await checkScreen(page, "questionnaire-answers");

  // The profile kept what was saved.
  await page.getByRole("link", { name: "Profile", exact: true }).click();
  await expect(page.getByLabel("About me")).toHaveValue("Climber, reader, bad at chess.");
  await expect(page.getByText("Berlin, Germany").first()).toBeVisible();

  // Allowed now: the browser's position (in Paris) becomes the location, kept after a reload.
  await page.context().grantPermissions(["geolocation"]);
  await page.context().setGeolocation({ latitude: 48.8584, longitude: 2.2945 });
  await page.getByRole("button", { name: "Use my current location" }).click();
  await expect(page.locator(".current-location")).toHaveText("Paris, France");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await page.reload();
  await expect(page.locator(".current-location")).toHaveText("Paris, France");
  expect(errors).toEqual([]);
});

/** Answers the question shown; returns whether it was a slider, whose range it first gives the
 * wrong way round: the form says so in the range's part, which takes the focus. */
async function answerTheShownQuestion(page: import("@playwright/test").Page): Promise<boolean> {
  const form = page.locator("form.question");
  const question = form.locator("fieldset").first();
  const text_before = (await question.locator("legend").textContent()) ?? "";
  const radios = question.getByRole("radio");
  const boxes = question.getByRole("checkbox");
  const text = question.locator("textarea");
  const slider = (await question.getByRole("slider").count()) > 0;
  if (slider) {
    const range = form.getByRole("group", { name: "Range I'd accept from a partner" });
    // (the slider's two ends, so the browser's own step check has nothing to say)
    await range.getByLabel("From").fill(await range.getByLabel("To").inputValue());
    await range.getByLabel("To").fill((await range.getByLabel("To").getAttribute("min")) ?? "0");
    await form.getByRole("button", { name: "Save answer" }).click();
    await expect(range.getByRole("alert")).toHaveText("In the range you would accept, “From” must not be above “To”.");
    await expect(range).toHaveAccessibleDescription("In the range you would accept, “From” must not be above “To”.");
    await expect(range.getByLabel("From")).toBeFocused();
    await expect(range.getByLabel("From")).toHaveAttribute("aria-invalid", "true");
    await range.getByLabel("To").fill(await range.getByLabel("From").inputValue());
    await expect(range.getByRole("alert"), "gone once the range is mended").toHaveCount(0);
  } else if ((await radios.count()) > 0) {
    await radios.first().check();
  } else if ((await boxes.count()) > 0) {
    const hint = (await question.locator(".hint").textContent()) ?? "";
    const min = Number(hint.match(/Choose (\d+)/)?.[1] ?? 1);
    for (let i = 0; i < min; i++) await boxes.nth(i).check();
  } else if ((await text.count()) > 0) {
    await text.fill("Mountains, mostly.");
  }
  await form.getByRole("button", { name: "Save answer" }).click();
  // The next question in the server's order replaces it, and has the focus.
  await expect(page.locator("form.question legend").first()).not.toHaveText(text_before);
  await expect(page.locator("form.question legend").first()).toBeFocused();
  return slider;
}

test("a demo user sees matches and opens one: attributes, insight, and the locked parts", async ({ page, request }) => {
  const errors = consoleErrors(page);
  await signInThroughTheApp(page, await demoUserWithMatches(request), DEMO.password);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  const cards = page.locator("li.card");
  await expect(cards.first()).toBeVisible();
  await expect(cards.first()).toContainText(/\d+% compatible/);
  const name = (await cards.first().locator("h2 a").textContent()) ?? "";
  await checkScreen(page, "matches");
  await cards.first().locator("h2 a").click();

  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  await expect(page.getByRole("heading", { name: "What you share" })).toBeVisible();
  await expect(page.getByRole("meter")).toHaveCount(6);
  await checkScreen(page, "match-detail");
  await expect(page.getByRole("heading", { name: "Why you match" })).toBeVisible();
  const upgrade = page.getByRole("link", { name: "See the plans" });
  if (await upgrade.count()) {
    await upgrade.click();
    await expect(page.getByRole("heading", { name: "Plans" })).toBeVisible();
    await expect(page.locator("li.plan").first()).toBeVisible();
    await checkScreen(page, "plans");
  }
  expect(errors).toEqual([]);
});

test("two people match live, then chat and see each other's messages and typing live", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const ana = await completePerson(request, { firstName: "Ana", gender: "woman", seeking: "man", place: REYKJAVIK });
  const ben = await completePerson(request, { firstName: "Ben", gender: "man", seeking: "woman", place: REYKJAVIK });
  const matchId = await matchBetween(request, ana, ben);
  await like(request, ana, matchId);

  const anaContext = await browser.newContext();
  const benContext = await browser.newContext();
  const anaPage = await anaContext.newPage();
  const benPage = await benContext.newPage();
  const errors = [...consoleErrors(anaPage), ...consoleErrors(benPage)];

  // Ana is in the app when Ben likes her back: "it's a match" reaches her live.
  await signInThroughTheApp(anaPage, ana.email, PASSWORD);
  await expect(anaPage.getByRole("heading", { name: "Matches" })).toBeVisible();
  await expect(anaPage.locator("html")).toHaveAttribute("data-realtime", "ready");
  const active = await like(request, ben, matchId);
  expect(active.status).toBe("active");
  await expect(anaPage.getByText("It's a match! You and Ben like each other.")).toBeVisible();
  await anaPage.getByRole("link", { name: "Open the chat" }).click();
  await expect(anaPage.getByLabel("Message")).toBeVisible();

  // Ben finds the chat from the match itself: its page leads there.
  await signInThroughTheApp(benPage, ben.email, PASSWORD);
  await expect(benPage.getByRole("heading", { name: "Matches" })).toBeVisible();
  await benPage.getByRole("link", { name: "Ana", exact: true }).click();
  await benPage.getByRole("link", { name: "Chat with Ana" }).click();
  await expect(benPage.getByLabel("Message")).toBeVisible();

  await anaPage.getByLabel("Message").fill("Hi Ben! Reykjavik in winter?");
  await anaPage.getByRole("button", { name: "Send" }).click();
  await expect(benPage.locator("ol.messages li.theirs")).toContainText(["Hi Ben! Reykjavik in winter?"]);

  await benPage.getByLabel("Message").pressSequentially("Alw");
  await expect(anaPage.getByText("Ben is typing…")).toBeVisible();
  await benPage.getByLabel("Message").fill("Always. Coffee first?");
  await benPage.getByRole("button", { name: "Send" }).click();
  await expect(anaPage.locator("ol.messages li.theirs")).toContainText(["Always. Coffee first?"]);
  // Read out as it arrived: one line with who wrote what, not the list with its buttons.
  await expect(anaPage.locator("[aria-live=polite]").filter({ hasText: "Ben:" })).toHaveText("Ben: Always. Coffee first?");
  await expect(anaPage.locator("ol.messages")).not.toHaveAttribute("aria-live", /.*/);
  await expect(anaPage.getByRole("list", { name: "Conversation with Ben" })).toBeVisible();
  // The tab's title names the screen, not the person (it shows in the window list and history).
  await expect(anaPage).toHaveTitle("Chat – Perfect Match");
  await expect(anaPage.locator("ol.messages li")).toHaveText([/Hi Ben! Reykjavik in winter\?/, /Always\. Coffee first\?/]);
  // Ben has read Ana's message: her side shows the receipt.
  await expect(anaPage.locator("ol.messages li.mine .receipt").first()).toContainText("Read");
  // Each message says when it was sent (today: the time alone).
  const sent = anaPage.locator("ol.messages li.theirs time").first();
  await expect(sent).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT/);
  await expect(sent).toHaveText(/^\d\d:\d\d/);

  // A reaction, live on both sides: Ana's ❤️ on Ben's message, then taken back.
  const coffeeForAna = anaPage.locator("ol.messages li.theirs").filter({ hasText: "Always. Coffee first?" });
  const coffeeForBen = benPage.locator("ol.messages li.mine").filter({ hasText: "Always. Coffee first?" });
  await coffeeForAna.getByRole("button", { name: "React", exact: true }).click();
  await coffeeForAna.getByRole("button", { name: "React with ❤️" }).click();
  await expect(coffeeForAna.getByRole("button", { name: "❤️ 1" })).toHaveAttribute("aria-pressed", "true");
  await expect(coffeeForBen.getByRole("button", { name: "❤️ 1" })).toHaveAttribute("aria-pressed", "false");
  await coffeeForAna.getByRole("button", { name: "❤️ 1" }).click();
  await expect(coffeeForBen.getByRole("button", { name: /❤️/ })).toHaveCount(0);
  await expect(coffeeForAna.getByRole("button", { name: /❤️/ })).toHaveCount(0);
  // The picker takes the focus when opened; Escape closes it and gives the focus back.
  await coffeeForAna.getByRole("button", { name: "React", exact: true }).click();
  await expect(coffeeForAna.getByRole("button", { name: "React with ❤️" })).toBeFocused();
  await anaPage.keyboard.press("Escape");
  await expect(coffeeForAna.getByRole("group", { name: "React" })).toHaveCount(0);
  await expect(coffeeForAna.getByRole("button", { name: "React", exact: true })).toBeFocused();

  // Ben deletes a message of his (after a confirmation): gone from Ana's screen too, live.
  await benPage.getByLabel("Message").fill("Oops, not for you.");
  await benPage.getByRole("button", { name: "Send" }).click();
  await expect(anaPage.locator("ol.messages li.theirs").filter({ hasText: "Oops, not for you." })).toBeVisible();
  const oops = benPage.locator("ol.messages li.mine").filter({ hasText: "Oops, not for you." });
  // The question takes the focus; cancelled, the focus is back on the button that asked.
  await oops.getByRole("button", { name: "Delete" }).click();
  const question = oops.getByRole("group", { name: "Delete this message for both of you?" });
  await expect(question.getByText("Delete this message for both of you?")).toBeFocused();
  await question.getByRole("button", { name: "Cancel" }).click();
  await expect(question).toHaveCount(0);
  await expect(oops.getByRole("button", { name: "Delete" })).toBeFocused();
  await oops.getByRole("button", { name: "Delete" }).click();
  await question.getByRole("button", { name: "Yes, do it" }).click();
  for (const page of [anaPage, benPage]) {
    await expect(page.getByText("Oops, not for you.")).toHaveCount(0);
    await expect(page.locator("ol.messages li").last()).toContainText("Message deleted");
  }

  // Ana sends a photo: both see it (the image loaded, not just its name).
  await anaPage.getByLabel("Share a photo").setInputFiles("tests/fixtures/sunset.jpg");
  await expect(anaPage.getByText("Photo sent.")).toBeVisible();
  for (const image of [anaPage.getByRole("img", { name: "Your photo" }), benPage.getByRole("img", { name: "Photo from Ana" })]) {
    await expect(image).toBeVisible();
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  }
  // A word longer than the screen is wide (a laugh, a link) wraps inside its bubble.
  await benPage.getByLabel("Message").fill("Haha".repeat(40));
  await benPage.getByRole("button", { name: "Send" }).click();
  await expect(anaPage.locator("ol.messages li.theirs").filter({ hasText: "HahaHahaHaha" })).toBeVisible();
  await checkScreen(anaPage, "chat");
  // At 375 px, with a message's reaction picker open: nothing scrolls sideways, axe passes.
  await anaPage.setViewportSize({ width: 375, height: 740 });
  // A new message brings into view the newest message and, under it, where to answer (on a small
  // screen the box was left below the fold).
  await benPage.getByLabel("Message").fill("See you at the harbour.");
  await benPage.getByRole("button", { name: "Send" }).click();
  await expect(anaPage.locator("ol.messages li").last()).toContainText("See you at the harbour.");
  await expect(anaPage.locator("ol.messages li").last()).toBeInViewport();
  await expect(anaPage.getByLabel("Message")).toBeInViewport();
  await coffeeForAna.getByRole("button", { name: "React", exact: true }).click();
  await expect(coffeeForAna.getByRole("button", { name: "React with 👍" })).toBeVisible();
  expect(await anaPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await checkScreen(anaPage, "chat-375");
  await benPage.getByRole("link", { name: "Chats", exact: true }).click();
  await expect(benPage.getByRole("link", { name: /Ana/ })).toBeVisible();
  await checkScreen(benPage, "chats");
  await benPage.getByRole("link", { name: /Ana/ }).click();

  // Ben ends the match from the chat (after a confirmation): it closes on both screens, live.
  await benPage.getByRole("button", { name: "Unmatch" }).click();
  await benPage.getByRole("button", { name: "Yes, do it" }).click();
  for (const page of [anaPage, benPage]) {
    await expect(page.getByText("This conversation is closed: the match was ended.")).toBeVisible();
    await expect(page.getByLabel("Message")).toHaveCount(0);
  }
  expect(errors).toEqual([]);
  await anaContext.close();
  await benContext.close();
});

test("a free user pays for premium on the sandbox's checkout page and the premium insights appear", async ({ page, request }) => {
  test.setTimeout(180_000);
  const errors = consoleErrors(page);
  const eva = await completePerson(request, { firstName: "Eva", gender: "woman", seeking: "man", place: REYKJAVIK });
  const finn = await completePerson(request, { firstName: "Finn", gender: "man", seeking: "woman", place: REYKJAVIK });
  const matchId = await matchBetween(request, eva, finn);

  await signInThroughTheApp(page, eva.email, PASSWORD);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await page.goto(`/matches/${matchId}`);
  await expect(page.getByRole("heading", { name: "Why you match" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Premium insight" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Detailed analysis" })).toHaveCount(0);
  await page.getByRole("link", { name: "See the plans" }).click();
  await expect(page.getByRole("heading", { name: "Plans" })).toBeVisible();
  // One price list, in the browser's region's currency (en-US here), another one chosen at will;
  // her plan marked.
  await expect(page.getByLabel("Prices in")).toHaveValue("USD");
  await expect(page.getByRole("button", { name: /^Choose Premium at \$.* per month$/ })).toHaveCount(1);
  await expect(page.getByRole("button", { name: /^Choose Premium at €/ })).toHaveCount(0);
  await page.getByLabel("Prices in").selectOption("EUR");
  await expect(page.getByRole("heading", { name: "Free Your plan" })).toBeVisible();
  await page.getByRole("button", { name: /^Choose Premium at €.* per month$/ }).click();

  // The payment provider's page (the local sandbox plays Stripe): the card succeeds.
  await page.getByRole("button", { name: "Pay (card 4242, succeeds)" }).click();
  await expect(page.getByRole("heading", { name: "Your subscription" })).toBeVisible();
  // The plan changes when the provider's signed webhook has reached the server.
  await expect(page.locator("dl.subscription dd").first()).toHaveText("Premium", { timeout: 30_000 });
  await expect(page.locator("dl.subscription dd").nth(1)).toHaveText("Active");
  await expect(page.getByText("Payment received: welcome to Premium!")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel at the end of the period" })).toBeVisible();
  await checkScreen(page, "subscription");

  await page.goto(`/matches/${matchId}`);
  await expect(page.getByRole("heading", { name: "Detailed analysis" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Potential challenges" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Premium insight" })).toHaveCount(0);

  // Cancelling keeps premium until the period ends, and says when.
  await page.goto("/subscription");
  await page.getByRole("button", { name: "Cancel at the end of the period" }).click();
  await expect(page.getByText("Ends on")).toBeVisible({ timeout: 30_000 });
  expect(errors).toEqual([]);
});

test("a plan that lapsed while the provider still retries the card is cancelled at once from the subscription screen", async ({ page, request }) => {
  test.setTimeout(180_000);
  const errors = consoleErrors(page);
  const gil = await completePerson(request, { firstName: "Gil", gender: "man", seeking: "woman", place: REYKJAVIK });
  await signInThroughTheApp(page, gil.email, PASSWORD);
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await page.goto("/plans");
  await page.getByRole("button", { name: /^Choose Premium at .* per month$/ }).first().click();
  await page.getByRole("button", { name: "Pay (card 4242, succeeds)" }).click();
  await expect(page.locator("dl.subscription dd").first()).toHaveText("Premium", { timeout: 30_000 });

  // The provider's id of the subscription, from Gil's own data export.
  const auth = { Authorization: `Bearer ${gil.token}` };
  expect((await request.post("/api/v1/me/reauthenticate", { headers: auth, data: { password: PASSWORD } })).ok()).toBeTruthy();
  const exported = JSON.stringify(await (await request.get("/api/v1/me/export", { headers: auth })).json());
  const subscriptionId = exported.match(/"provider_subscription_id":"([^"]+)"/)?.[1];
  expect(subscriptionId).toBeTruthy();
  // The renewal's payment fails; with no grace (test-e2e) the worker ends the plan here, while the
  // provider goes on retrying the card.
  const sandbox = process.env.PM_STRIPE_API_BASE;
  expect((await request.post(`${sandbox}/sandbox/subscriptions/${subscriptionId}/fail`)).ok()).toBeTruthy();
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.locator("dl.subscription dd").nth(1).textContent();
      },
      { timeout: 120_000, intervals: [2_000] },
    )
    .toBe("Ended");
  await expect(page.getByText("the payment provider may still try your card again")).toBeVisible();
  await page.getByRole("button", { name: "Cancel now, so nothing more is charged" }).click();
  await expect(page.locator("dl.subscription dd").nth(1)).toHaveText("Cancelled", { timeout: 30_000 });
  await expect(page.getByRole("button", { name: /^Cancel/ })).toHaveCount(0);
  // A later retry of the card finds nothing to charge.
  expect((await request.post(`${sandbox}/sandbox/subscriptions/${subscriptionId}/renew`)).status()).toBe(400);
  expect(errors).toEqual([]);
});

test("a match announced live goes with its person's sign-out: the next person at the computer never sees it", async ({ page, request }) => {
  test.setTimeout(120_000);
  const ana = await completePerson(request, { firstName: "Ana", gender: "woman", seeking: "man", place: REYKJAVIK });
  const ben = await completePerson(request, { firstName: "Ben", gender: "man", seeking: "woman", place: REYKJAVIK });
  const cleo = await completePerson(request, { firstName: "Cleo", gender: "woman", seeking: "woman", place: REYKJAVIK });
  const matchId = await matchBetween(request, ana, ben);
  await like(request, ana, matchId);

  await signInThroughTheApp(page, ana.email, PASSWORD);
  await expect(page.locator("html")).toHaveAttribute("data-realtime", "ready");
  expect((await like(request, ben, matchId)).status).toBe("active");
  await expect(page.getByText("It's a match! You and Ben like each other.")).toBeVisible();

  // Ana leaves without dismissing it; Cleo signs in at the same computer, in the same tab.
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(cleo.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Matches" })).toBeVisible();
  await expect(page.getByText(/It's a match/)).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Open the chat" })).toHaveCount(0);
});
