// The JSON the dashboard's server publishes (python/theta_net/dashboard, docs/dashboard.md): a
// status of the game server, with the rates the dashboard computed from the one before it.

export interface Rates {
  down_bps: number;
  up_bps: number;
}

export interface Counters {
  messages_sent?: number;
  bytes_sent?: number;
  messages_received?: number;
  bytes_received?: number;
}

export interface SyncState {
  state: string; // "none" | "syncing" | "synced"
  progress?: number; // 0..1 while syncing
  [key: string]: unknown;
}

export interface ClientStatus {
  session_id: number;
  name: string;
  role: string;
  transport: string;
  rtt_ms: number;
  loss: number;
  bytes_sent: number;
  bytes_received: number;
  send_queue_bytes: number;
  data_queue_bytes?: number;
  lanes: Record<string, Counters>;
  message_types: Record<string, Counters>;
  sync?: SyncState;
  acked_version?: number;
  version_lag?: number;
  rates?: Rates & { lanes: Record<string, Rates>; message_types: Record<string, Rates> };
}

export interface Conflict {
  [key: string]: unknown;
}

export interface LogEntry {
  seq: number;
  time_ms: number;
  kind: string;
  session_id?: number;
  detail?: string;
  [key: string]: unknown;
}

export interface ServerStatus {
  update: number;
  server: { time_ms: number; tick: number; [key: string]: unknown };
  clients: ClientStatus[];
  conflicts?: Conflict[];
  log?: LogEntry[];
}

export interface History {
  [sessionId: string]: Record<string, number[]>;
}

export type LiveMessage =
  | { type: "hello"; history: History; log: LogEntry[]; admin_configured: boolean }
  | { type: "status"; status: ServerStatus }
  | { type: "action_result"; ok: boolean; error?: string; request?: number };
