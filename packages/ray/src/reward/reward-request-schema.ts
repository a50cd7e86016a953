import { z } from "zod";

const Label = z.union([z.string(), z.number(), z.null()]).transform((value) => (value === null ? null : String(value)));

/**
 * The body OpenRLHF posts to a remote reward URL: `query` (prompt and response in one string, per
 * sample), and from newer versions `prompts` and `labels` of the same length. Older trainers send
 * only `query`. Labels may be numbers or null in the wild; they are read as strings.
 */
export const RewardRequestSchema = z
  .looseObject({
    query: z.array(z.string()),
    prompts: z.array(z.string()).nullish(),
    labels: z.array(Label).nullish(),
  })
  .superRefine((body, context) => {
    for (const field of ["prompts", "labels"] as const) {
      const list = body[field];
      if (list && list.length !== body.query.length) {
        context.addIssue({
          code: "custom",
          path: [field],
          message: `has ${list.length} items but query has ${body.query.length}; send one per sample`,
        });
      }
    }
  });
export type RewardRequest = z.infer<typeof RewardRequestSchema>;

/** The reply OpenRLHF reads: `rewards` (required), `scores` (0 to 1, for dynamic filtering), `extra_logs`. */
export interface RewardReply {
  rewards: number[];
  scores: number[];
  extra_logs: Record<string, number[]>;
}
