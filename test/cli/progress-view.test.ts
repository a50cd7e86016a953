import test from "ava";
import { ProgressView } from "../../packages/cli/src/run/progress-view.js";

function view(tty: boolean) {
  let text = "";
  const stream = {
    write: (s: string) => {
      text += s;
      return true;
    },
    isTTY: tty,
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  };
  return { progress: new ProgressView(stream as never, { tty }), text: () => text };
}

test("steps that overlap are shown one after the other, in step order (plain lines)", (t) => {
  const { progress, text } = view(false);
  progress.runStart(2, []);
  progress.stepStart(0, 8, 0);
  progress.stepStart(1, 8, 0); // the trainer starts step 1 while step 0's last calls run
  progress.rolloutEnd(1, 1);
  progress.rolloutEnd(0, 0);
  progress.stepEnd(0, 0.5, 8, 0, 1200);
  progress.stepEnd(1, 0.25, 8, 1, 800);
  t.deepEqual(text().trim().split("\n"), [
    "step 0 (1 of 2): 8 rollouts",
    "step 0 (1 of 2) done: mean reward 0.500, 8 rollouts, 0 failed, 1.2 s",
    "step 1 (2 of 2): 8 rollouts",
    "step 1 (2 of 2) done: mean reward 0.250, 8 rollouts, 1 failed, 0.8 s",
  ]);
});

test("on a terminal the bar of a later step starts from the rollouts it already finished", (t) => {
  const { progress, text } = view(true);
  progress.runStart(2, []);
  progress.stepStart(0, 4, 0);
  progress.stepStart(1, 4, 0);
  progress.rolloutEnd(1, 1);
  progress.rolloutEnd(1, 1);
  progress.stepEnd(0, 0.5, 4, 0, 100);
  progress.stop();
  t.regex(text(), /step 1 \(2 of 2\) \[[^\]]*\] 2\/4 rollouts \| reward 1\.000/);
});
