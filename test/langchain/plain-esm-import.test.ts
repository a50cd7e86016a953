// @lanpo/langchain as a user's plain Node ESM program sees it: the built dist/, no tsx, no
// "source" condition. The test builds the package (and core, which it needs) first, as
// `npm run build` would: `npm test` runs on an unbuilt checkout.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import test from "ava";

const root = join(import.meta.dirname, "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const script = `
const m = await import("@lanpo/langchain");
const names = ["lanpoMiddleware", "ReflectionChain", "AbstractionChain", "LessonRetriever", "LanpoCallbackHandler", "chatModelFromConfig", "HuggingFaceChatModel"];
const missing = names.filter((n) => typeof m[n] !== "function");
const model = m.chatModelFromConfig({ provider: "scripted", problems: [{ id: "p", question: "What is 2 + 2?", answer: "4" }], successRate: 1 });
const reply = await model.invoke("What is 2 + 2?");
console.log(JSON.stringify({ missing, reply: reply.text }));
`;

test("importable from plain Node ESM after the build", async (t) => {
  await promisify(execFile)(process.execPath, [tsc, "-b", "plugins/langchain"], { cwd: root });
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: root });
  const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { missing: string[]; reply: string };
  t.deepEqual(result.missing, []);
  t.regex(result.reply, /\\boxed\{4\}/);
});
