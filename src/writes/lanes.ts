import type { WriteRequest } from './catalog.js';

/**
 * Priority lanes, most urgent first. The write budget is spent in this order, and a reserve of it is
 * kept for the first two so that automated traffic never starves a person.
 */
export const LANES = {
  urgentCreate: 1, // creates of P1/P2 incidents
  humanMessage: 2, // messages written by people
  create: 3, // every other create
  background: 4, // updates and automated messages
} as const;

export type Lane = (typeof LANES)[keyof typeof LANES];
export const LANE_NAMES: Record<Lane, string> = { 1: 'urgent-create', 2: 'human-message', 3: 'create', 4: 'background' };
export const ALL_LANES: Lane[] = [1, 2, 3, 4];

export function laneOf(write: WriteRequest): Lane {
  switch (write.kind) {
    case 'create':
      return write.body.type === 'Incident' && (write.body.priority === 'P1' || write.body.priority === 'P2') ? LANES.urgentCreate : LANES.create;
    case 'message':
      return write.human ? LANES.humanMessage : LANES.background;
    case 'update':
      return LANES.background;
  }
}

/** Lanes that the reserve protects. */
export function isReservedLane(lane: Lane): boolean {
  return lane <= LANES.humanMessage;
}
