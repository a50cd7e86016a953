export { ConfigError } from "./config-error.js";
export { DatasetError } from "./dataset-error.js";
export { LanpoError } from "./lanpo-error.js";
export { ModelError } from "./model-error.js";
export { StorageError } from "./storage-error.js";
