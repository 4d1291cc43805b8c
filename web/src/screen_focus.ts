// Where the person is, for the keyboard and screen readers. After a move to another screen that
// they asked for (a link, back or forward), its heading takes the focus: a screen reader says
// where they are now, and Tab goes on from the screen's content rather than from the top of the
// page (the link that had the focus may be gone). And the tab's title names the screen.

let moves = 0;

export function focusScreenHeading(): void {
  const move = ++moves;
  const from = document.activeElement;
  const started = performance.now();
  const attempt = () => {
    if (move !== moves) return; // a newer move took over
    const now = document.activeElement;
    if (now && now !== from && now !== document.body) return; // the person went on meanwhile
    const heading = document.querySelector<HTMLElement>("main h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    } else if (performance.now() - started < 3000) requestAnimationFrame(attempt); // still loading
  };
  requestAnimationFrame(attempt);
}

// The title follows the screen's heading, or its `data-title` where the heading is a person's
// name (a chat, a match): the title shows in the window list, the history and a shared screen.
export function followScreenTitles(app: string): void {
  const update = () => {
    const main = document.querySelector<HTMLElement>("main");
    const name = main?.dataset.title ?? main?.querySelector("h1")?.textContent?.trim();
    const title = name && name !== app ? `${name} – ${app}` : app;
    if (document.title !== title) document.title = title;
  };
  new MutationObserver(update).observe(document.body, { childList: true, subtree: true, characterData: true });
  update();
}
