/**
 * Makes a chat model generate with another model name from now on (a LoRA adapter the trainer
 * just published, say): sets `model` (and the older `modelName`) on the model, looking through
 * Runnable bindings. Returns false when the policy has no model name to set.
 */
export function switchModelName(policy: unknown, name: string): boolean {
  for (let p = policy as Record<string, unknown> | undefined, depth = 0; p && depth < 8; depth++) {
    if (typeof p.model === "string") {
      p.model = name;
      if (typeof p.modelName === "string") p.modelName = name;
      return true;
    }
    p = p.bound as Record<string, unknown> | undefined;
  }
  return false;
}
