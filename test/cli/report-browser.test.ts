// The run report in a real browser: Debian's headless Chromium driven by playwright-core.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import test from "ava";
import { chromium } from "playwright-core";
import { REPO_ROOT, runCli, runFlags } from "./run-cli.js";

const CHROMIUM = "/usr/bin/chromium";
/** Kept after the test (gitignored): the screenshot of the report as the browser drew it. */
const ARTIFACTS = join(REPO_ROOT, "test-artifacts");
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface DrawnPlot {
  id: string;
  series: string[];
  /** Drawn marks (lines, bars, points) with a non-empty box on screen. */
  visibleMarks: number;
  lines: number;
  legend: string[];
  width: number;
  height: number;
  top: number;
}

if (!existsSync(CHROMIUM)) {
  test.skip(`report in a browser: skipped, ${CHROMIUM} is missing (apt-get install -y chromium)`, () => {});
  console.warn(`report-browser.test.ts skipped: ${CHROMIUM} is missing; install it with apt-get install -y chromium`);
} else {
  test("the report of a small run renders every plot, with its series, offline, in Chromium", async (t) => {
    const out = join(mkdtempSync(join(tmpdir(), "lanpo-report-browser-")), "run");
    // Lexical embeddings and a low threshold so lessons are retrieved within four steps.
    const run = await runCli([
      "run",
      ...runFlags({
        dataset: "gsm8k",
        limit: 6,
        group: 4,
        steps: 4,
        batch: 3,
        embeddings: "lexical",
        minScore: 0.05,
        out,
      }),
    ]);
    t.is(run.code, 0, run.stderr);

    const profile = mkdtempSync(join(tmpdir(), "lanpo-chromium-profile-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1600, height: 1000 },
      offline: true,
    });
    const external: string[] = [];
    const errors: string[] = [];
    try {
      context.on("request", (request) => {
        if (!request.url().startsWith("file:")) external.push(request.url());
      });
      await context.route("**", (route) =>
        route.request().url().startsWith("file:") ? route.continue() : route.abort(),
      );
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(join(out, "report.html")).href, { waitUntil: "load" });

      const plots: DrawnPlot[] = await page.$$eval("figure[data-chart]", (figures) =>
        figures.map((figure) => {
          const svg = figure.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          const marks = [...figure.querySelectorAll("g.role-mark > path, g.role-mark > rect, g.role-mark > line")];
          return {
            id: figure.getAttribute("data-chart") ?? "",
            series: (figure.getAttribute("data-series") ?? "").split("|").filter(Boolean),
            visibleMarks: marks.filter((m) => {
              const r = m.getBoundingClientRect();
              return r.width > 0 || r.height > 0;
            }).length,
            lines: figure.querySelectorAll("g.mark-line.role-mark").length,
            legend: [...figure.querySelectorAll(".role-legend-label text")].map((e) => e.textContent ?? ""),
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            top: figure.getBoundingClientRect().top,
          };
        }),
      );
      t.deepEqual(
        plots.map((p) => p.id),
        ["reward", "zero-variance", "retrieval", "lessons", "leakage", "feedback-tokens", "latency", "policy-version"],
      );
      for (const plot of plots) {
        t.true(plot.width > 300 && plot.height > 150, `${plot.id} is drawn at a readable size`);
        t.true(plot.visibleMarks > 0, `${plot.id} draws visible marks`);
        for (const name of plot.series) t.true(plot.legend.includes(name), `${plot.id}'s legend names ${name}`);
      }
      const byId = new Map(plots.map((p) => [p.id, p]));
      const reward = byId.get("reward");
      t.true(reward?.series.includes("scratch") && reward.series.includes("all"));
      t.is(reward?.lines, reward?.series.length, "one line per feedback kind with rewards, and the overall mean");
      t.deepEqual(byId.get("lessons")?.legend, ["added", "merged", "rejected", "unparsed"]);
      t.deepEqual(byId.get("retrieval")?.series, ["hits", "abstentions", "mean similarity"]);
      t.is(byId.get("retrieval")?.lines, 1, "the similarity line over the hit and abstention bars");
      // The grid uses the page's width: at 1600 px the first two plots sit side by side.
      t.is(plots[0]?.top, plots[1]?.top);
      // The most used lessons, with their text read from the run's memory/.
      t.true((await page.locator("h2:has-text('Most used lessons') + table tbody tr").count()) > 0);

      mkdirSync(ARTIFACTS, { recursive: true });
      const screenshot = join(ARTIFACTS, "report-browser.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      t.log(`screenshot: ${screenshot}`);
      console.log(`report-browser: screenshot at ${screenshot}`);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
    t.deepEqual(errors, [], "no console errors");
    t.deepEqual(external, [], "no request left the machine");
  });
}
