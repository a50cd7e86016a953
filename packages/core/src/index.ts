// Types
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
  StepReport,
  TokenUsage,
} from "./types/index.js";
export { FEEDBACK_KINDS } from "./types/index.js";

// Errors
export { ConfigError, DatasetError, LanpoError, ModelError, StorageError } from "./errors/index.js";

// Interfaces implemented by other packages
export type { AttemptSelection, ExperiencePool, PoolStats, VerifiedGroup } from "./pool/experience-pool.js";
export type {
  LessonAddResult,
  LessonMemory,
  LessonMemoryStats,
  LessonSearchOptions,
  LessonUse,
} from "./memory/lesson-memory.js";
export type { Optimizer, SubmitResult, TrainingBatch, TrainingSample } from "./optimizer/optimizer.js";
export type { RewardFn } from "./reward/reward-fn.js";

// Experience pool implementations

// Lesson memory implementations
export type { ExactLessonMemoryOptions } from "./memory/exact-lesson-memory.js";
export { ExactLessonMemory } from "./memory/exact-lesson-memory.js";

// Optimizer implementations

// Trainer
export type { AdvantageEstimator, GroupAdvantageOptions } from "./trainer/group-advantages.js";
export { groupAdvantages } from "./trainer/group-advantages.js";
export type { FeedbackMix, LanpoTrainerOptions, RetrievalOptions } from "./trainer/trainer-options.js";
export type { TrainerEventName, TrainerEvents } from "./trainer/trainer-events.js";
