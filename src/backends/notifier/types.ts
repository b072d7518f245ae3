export const NOTIFICATION_KINDS = ['gate_failed', 'approval_needed', 'promoted', 'rolled_back', 'release_failed'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Notification {
  kind: NotificationKind;
  model: string;
  /** One line for people. */
  text: string;
  releaseId?: string;
  details?: Record<string, unknown>;
}

export interface Notifier {
  readonly kind: string;
  check(): Promise<void>;
  notify(n: Notification): Promise<void>;
}
