// @lanpo/langchain as a user's plain Node ESM program sees it: the built dist/, no tsx, no
// "source" condition. Runs once the workspace is built (`npx tsc -b`), and says so when it is not.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";

const root = join(import.meta.dirname, "..", "..");
const built = existsSync(join(root, "plugins", "langchain", "dist", "index.js"));
const script = `
const m = await import("@lanpo/langchain");
const names = ["lanpoMiddleware", "ReflectionChain", "AbstractionChain", "LessonRetriever", "LanpoCallbackHandler", "chatModelFromConfig", "HuggingFaceChatModel"];
const missing = names.filter((n) => typeof m[n] !== "function");
const model = m.chatModelFromConfig({ provider: "scripted", problems: [{ id: "p", question: "What is 2 + 2?", answer: "4" }], successRate: 1 });
const reply = await model.invoke("What is 2 + 2?");
console.log(JSON.stringify({ missing, reply: reply.text }));
`;

(built ? test : test.skip)("importable from plain Node ESM after the build", async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
  const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { missing: string[]; reply: string };
  t.deepEqual(result.missing, []);
  t.regex(result.reply, /\\boxed\{4\}/);
});
