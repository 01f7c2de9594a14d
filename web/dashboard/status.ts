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

// The client's data sync (null when it has no data layer).
export interface DataStatus {
  state: string; // "none" | "syncing" | "synced"
  chunks_sent: number;
  chunks_total: number;
  entities_sent: number;
  entities_total: number;
  forced_resyncs: number;
  queue_bytes: number;
  acked_version: number;
  version_lag: number;
}

// What the server made of the client's TelemetryReports (null before its first).
export interface TelemetryStatus {
  reports: number;
  alerts: number;
  frame_ms_p50: number;
  frame_ms_p99: number;
  frame_ms_p99_max: number;
  counters: Record<string, number>;
  [key: string]: unknown;
}

export interface ClientStatus {
  session_id: number; // may be rounded in JavaScript: use `session`
  session: string; // the session id as 16 hex digits
  name: string;
  role: string;
  transport: string;
  rtt_ms: number;
  loss: number;
  bytes_sent: number;
  bytes_received: number;
  send_queue_bytes: number;
  lanes: Record<string, Counters>;
  messages: Record<string, Counters>;
  data: DataStatus | null;
  telemetry: TelemetryStatus | null;
  rates?: Rates & { lanes: Record<string, Rates>; messages: Record<string, Rates> };
}

// One conflict as the collab layer's conflict_event_json writes it.
export interface Conflict {
  version: number;
  table: string;
  entity: number;
  field: string;
  base: unknown;
  theirs: unknown;
  mine: unknown;
  strategy: string;
  outcome: string;
  result: unknown;
  author: string;
  [key: string]: unknown;
}

export interface LogEntry {
  seq: number;
  time_ms: number;
  kind: string;
  session_id?: number;
  session?: string;
  name?: string;
  detail?: string;
  [key: string]: unknown;
}

export interface ServerStatus {
  update: number;
  server: {
    time_ms: number;
    tick: number;
    tick_rate: number;
    data_version: number;
    tick_times: { mean_ms: number; p99_ms: number } | null;
    [key: string]: unknown;
  };
  clients: ClientStatus[];
  conflicts: { total: number; recent: Conflict[] } | null;
  log?: LogEntry[];
}

export interface History {
  [sessionId: string]: Record<string, number[]>;
}

export type LiveMessage =
  | { type: "hello"; history: History; log: LogEntry[]; admin_configured: boolean }
  | { type: "status"; status: ServerStatus }
  | { type: "action_result"; ok: boolean; error?: string; request?: number };
