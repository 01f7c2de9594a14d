// theta_net's TypeScript client: the generated protocol, frames, the handshake, the WebSocket
// connection and the ClientDB data mirror (docs/web.md).
export * from "./generated/protocol.js";
export { ProtocolError, DataError } from "./errors.js";
export { crc32c } from "./crc32c.js";
export { encodeFrame, encodeBatchFrame, decodeFrame } from "./frame.js";
export { encodeMessage, decodeMessages, messageId, messageLane } from "./messages.js";
export { ClientHandshake, generateClientKey, describeReject, DEFAULT_CAPABILITIES } from "./handshake.js";
export type { ClientKey, Session, HelloOptions } from "./handshake.js";
export { ThetaConnection, SUBPROTOCOL } from "./ws_connection.js";
export type { ConnectOptions, CloseInfo } from "./ws_connection.js";
export { DataSchema } from "./data_schema.js";
export { encodeOps, decodeOps } from "./data_ops.js";
export { ClientDB, Transaction } from "./client_db.js";
export type { Change, Divergence, Row, WriteResult, SyncState, UserValue } from "./client_db.js";
