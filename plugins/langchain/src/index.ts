// @lanpo/langchain: exports are added as the package is built (issue 11).
export {};
