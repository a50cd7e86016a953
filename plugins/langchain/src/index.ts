// @lanpo/langchain: LANPO for LangChain stacks.

// Trial recorder
export type { ChainTrial, ModelCallRecord, ToolCallRecord } from "./callbacks/chain-trial.js";
export type { LanpoCallbackHandlerOptions } from "./callbacks/lanpo-callback-handler.js";
export { LanpoCallbackHandler } from "./callbacks/lanpo-callback-handler.js";
// Chains
export type {
  AbstractionChainOptions,
  AbstractionInput,
  AbstractionResult,
  GradedAttemptInput,
} from "./chains/abstraction-chain.js";
export { AbstractionChain, abstractionPrompt } from "./chains/abstraction-chain.js";
export { lessonListSchema, parseLessonReply } from "./chains/parse-lesson-reply.js";
export type { ReflectionChainOptions } from "./chains/reflection-chain.js";
export { ReflectionChain, reflectionPrompt } from "./chains/reflection-chain.js";
export type { NoLabelFields, ReflectionAttempt, ReflectionInput, ReflectionResult } from "./chains/reflection-input.js";
// Guard
export type { GuardedTask } from "./guard/guarded-task.js";
export { guardAllows } from "./guard/guarded-task.js";
// createAgent middleware
export { taskIdOf } from "./middleware/default-task.js";
export { LANPO_FAILURE_EVENT, lanpoMiddleware } from "./middleware/lanpo-middleware.js";
export type {
  LanpoFailure,
  LanpoMiddlewareOptions,
  LanpoTask,
  LanpoTrial,
} from "./middleware/lanpo-middleware-options.js";
// Model backends
export type { ChatModelConfig, ResolvedChatModelConfig } from "./models/chat-model-config.js";
export { chatModelConfigSchema, parseChatModelConfig } from "./models/chat-model-config.js";
export type { ChatModelDependencies } from "./models/chat-model-from-config.js";
export { chatModelFromConfig } from "./models/chat-model-from-config.js";
export type { HuggingFaceChatCallOptions, HuggingFaceChatModelOptions } from "./models/hugging-face-chat-model.js";
export { HuggingFaceChatModel } from "./models/hugging-face-chat-model.js";
export type { ModelWhere } from "./models/lanpo-chat-openai.js";
export { LanpoChatOpenAI } from "./models/lanpo-chat-openai.js";
export type { RetryingFetchOptions } from "./models/retrying-fetch.js";
export { retryAfterMs, retryingFetch } from "./models/retrying-fetch.js";
// Retriever
export type { LessonDocumentMetadata, LessonRetrieverOptions } from "./retriever/lesson-retriever.js";
export { LessonRetriever } from "./retriever/lesson-retriever.js";
