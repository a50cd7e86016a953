export type { PriorAttempt, Reflection, Rollout, RolloutStatus, ScoredRolloutStatus, TokenUsage } from "./attempt.js";
export { isScored } from "./attempt.js";
export type { FeedbackKind } from "./feedback.js";
export { FEEDBACK_KINDS } from "./feedback.js";
export type { Lesson, LessonDraft, ScoredLesson } from "./lesson.js";
export type { ChatMessageRecord } from "./message.js";
export type { Problem } from "./problem.js";
export type { FeedbackStats, StepReport } from "./step-report.js";
