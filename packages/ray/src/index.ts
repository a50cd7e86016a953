// @lanpo/ray: exports are added as the package is built (issue 9).
export {};
