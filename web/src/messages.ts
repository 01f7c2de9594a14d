// Messages in frames: the step between bytes on a lane and typed messages. A frame is decoded
// whole or not at all (docs/protocol.md section 3): if one message of a batch fails, none is
// returned.
import { decodeFrame, encodeFrame, DEFAULT_MAX_BODY } from "./frame.js";
import { decodeBody, encodeBody, MESSAGE_BY_NAME, PROTOCOL_MINOR } from "./generated/protocol.js";
import type { AnyMessage, MessageName, MessageTypes } from "./generated/protocol.js";

export function messageId(name: MessageName): number {
  return MESSAGE_BY_NAME.get(name)!.id;
}

/** The lane a message travels on, as the schema says. */
export function messageLane(name: MessageName): string {
  return MESSAGE_BY_NAME.get(name)!.lane;
}

export function encodeMessage<N extends MessageName>(
  name: N,
  fields: MessageTypes[N],
  sequence: number,
  minor: number = PROTOCOL_MINOR,
): Uint8Array {
  return encodeFrame(messageId(name), sequence, encodeBody(name, fields, minor));
}

export interface DecodedMessages {
  sequence: number;
  messages: AnyMessage[];
}

export function decodeMessages(frame: Uint8Array, maxBody: number = DEFAULT_MAX_BODY): DecodedMessages {
  const decoded = decodeFrame(frame, maxBody);
  return { sequence: decoded.sequence, messages: decoded.entries.map((e) => decodeBody(e.type, e.body)) };
}
