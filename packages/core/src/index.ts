// Types

// Errors
export { ConfigError, DatasetError, LanpoError, ModelError, StorageError } from "./errors/index.js";
export type { AnswerMatcher } from "./guard/answer-matcher.js";
export { mentionsAnswer } from "./guard/answer-mentions.js";
export type { BuiltinAnswerMatcherOptions } from "./guard/builtin-answer-matcher.js";
export { BuiltinAnswerMatcher } from "./guard/builtin-answer-matcher.js";
// Leakage guard and prompts
export type { GuardedPart, LeakageGuardOptions } from "./guard/leakage-guard.js";
export { GUARDED_PARTS, LeakageGuard } from "./guard/leakage-guard.js";
// Lesson memory implementations
export type { ExactLessonMemoryOptions } from "./memory/exact-lesson-memory.js";
export { ExactLessonMemory } from "./memory/exact-lesson-memory.js";
export type { HashedLexicalEmbeddingsOptions } from "./memory/hashed-lexical-embeddings.js";
export { HashedLexicalEmbeddings } from "./memory/hashed-lexical-embeddings.js";
export type {
  LessonAddResult,
  LessonMemory,
  LessonMemoryStats,
  LessonSearchOptions,
  LessonUse,
} from "./memory/lesson-memory.js";
export { suggestedMinScoreOf } from "./memory/suggested-min-score.js";
export type { BatchSink, DeliveryReceipt } from "./optimizer/batch-sink.js";
export { isRetryableDeliveryError } from "./optimizer/batch-sink.js";
export { DeliveryError } from "./optimizer/delivery-error.js";
// Optimizer implementations
export type { InMemoryOptimizerOptions } from "./optimizer/in-memory-optimizer.js";
export { InMemoryOptimizer } from "./optimizer/in-memory-optimizer.js";
export { JsonlFileSink } from "./optimizer/jsonl-file-sink.js";
export type { Optimizer, PolicyState, SubmitResult, TrainingBatch, TrainingSample } from "./optimizer/optimizer.js";
export type { AcknowledgementListener, DeliveryFailure, OutboxOptimizerOptions } from "./optimizer/outbox-optimizer.js";
export { OutboxOptimizer } from "./optimizer/outbox-optimizer.js";
// Policies and rewards that need no server
export type { ScriptedPolicyOptions } from "./policy/scripted-policy.js";
export { ScriptedPolicy } from "./policy/scripted-policy.js";
// Interfaces implemented by other packages
export type { AttemptSelection, ExperiencePool, GroupKey, PoolStats, VerifiedGroup } from "./pool/experience-pool.js";
// Experience pool implementations
export { InMemoryExperiencePool } from "./pool/in-memory-experience-pool.js";
export type { SqliteExperiencePoolOptions } from "./pool/sqlite-experience-pool.js";
export { SqliteExperiencePool } from "./pool/sqlite-experience-pool.js";
export { SQLITE_SCHEMA_VERSION } from "./pool/sqlite-migrations.js";
export type { GradedAttempt } from "./prompts/abstraction-prompt.js";
export {
  ABSTRACTION_MARKER,
  ABSTRACTION_SYSTEM_PROMPT,
  ABSTRACTION_USER_TEMPLATE,
  abstractionMessages,
  parseLessons,
} from "./prompts/abstraction-prompt.js";
export { fillTemplate } from "./prompts/fill-template.js";
export {
  REFLECTION_MARKER,
  REFLECTION_SYSTEM_PROMPT,
  REFLECTION_USER_TEMPLATE,
  reflectionMessages,
} from "./prompts/reflection-prompt.js";
export type { RolloutFeedback } from "./prompts/rollout-prompt.js";
export { DEFAULT_INSTRUCTION, originalMessages, rolloutMessages } from "./prompts/rollout-prompt.js";
export { gsm8kReward } from "./reward/gsm8k-reward.js";
export type { RewardFn } from "./reward/reward-fn.js";
export type { ChatPolicy } from "./trainer/chat-policy.js";
// Trainer
export type { AdvantageEstimator, GroupAdvantageOptions, StdDevKind } from "./trainer/group-advantages.js";
export { groupAdvantages, isZeroVariance } from "./trainer/group-advantages.js";
export { planGroup } from "./trainer/group-plan.js";
export type { RunOptions } from "./trainer/lanpo-trainer.js";
export { LanpoTrainer } from "./trainer/lanpo-trainer.js";
export type { ModelCallOptions, ModelReply } from "./trainer/model-call.js";
export { callModel, retryAfterMs } from "./trainer/model-call.js";
export type { ReplyFields } from "./trainer/reply-fields.js";
export { replyFields } from "./trainer/reply-fields.js";
export { TRAINER_DEFAULTS } from "./trainer/resolve-options.js";
export type { TrainerEventName, TrainerEvents } from "./trainer/trainer-events.js";
export type { FeedbackMix, LanpoTrainerOptions, RetrievalOptions } from "./trainer/trainer-options.js";
export { findTwins } from "./trainer/twin-index.js";
export type {
  ChatMessageRecord,
  FeedbackKind,
  FeedbackStats,
  Lesson,
  LessonDraft,
  PriorAttempt,
  Problem,
  Reflection,
  Rollout,
  RolloutStatus,
  ScoredLesson,
  ScoredRolloutStatus,
  StepReport,
  TokenUsage,
} from "./types/index.js";
export { FEEDBACK_KINDS, isScored } from "./types/index.js";
// Utilities shared by the packages
export type { JsonLine } from "./util/json-lines.js";
export { jsonLines } from "./util/json-lines.js";
export { DENOMINATOR_WORDS, SCALE_WORDS, UNIT_WORDS } from "./util/number-word-tables.js";
export { questionKey } from "./util/question-key.js";
export { readDatasetFile, readDatasetFileSync } from "./util/read-dataset-file.js";
export type { Rng } from "./util/rng.js";
export { mulberry32 } from "./util/rng.js";
