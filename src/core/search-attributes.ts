import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes every mlcd workflow upserts, so the Web UI and
 * `temporal workflow list --query` can filter releases by model, stage, candidate and canary share.
 * `mlcd dev` registers them on the dev server (`--search-attribute`), `mlcd setup` on any other.
 */
export const SEARCH_ATTRIBUTES = {
  model: defineSearchAttributeKey('MlcdModel', SearchAttributeType.KEYWORD),
  stage: defineSearchAttributeKey('MlcdStage', SearchAttributeType.KEYWORD),
  candidateVersion: defineSearchAttributeKey('MlcdCandidateVersion', SearchAttributeType.KEYWORD),
  canaryPercent: defineSearchAttributeKey('MlcdCanaryPercent', SearchAttributeType.INT),
} as const;

/** Name → Temporal CLI type name, for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<string, 'Keyword' | 'Int'> = {
  MlcdModel: 'Keyword',
  MlcdStage: 'Keyword',
  MlcdCandidateVersion: 'Keyword',
  MlcdCanaryPercent: 'Int',
};
