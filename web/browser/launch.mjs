// Debian's chromium driven by playwright-core (which cannot download browsers here): one place
// that knows how to start it, for every browser test.
import { chromium } from "playwright-core";

export async function launch() {
  return chromium.launch({
    executablePath: process.env.THETA_CHROMIUM ?? "/usr/bin/chromium",
    // The sandbox needs user namespaces, which CI containers running as root do not give.
    args: ["--no-sandbox"],
  });
}

// Fails the test on any script error or console error of the page.
export function watchErrors(page, errors) {
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console error: ${m.text()}`);
  });
}
