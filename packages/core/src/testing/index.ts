// Fakes for tests and benchmarks of code built on @lanpo/core.
export type { MockCall, MockChatModelOptions } from "./mock-chat-model.js";
export { MockChatModel } from "./mock-chat-model.js";
