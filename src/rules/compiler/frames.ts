/**
 * What compiled code runs on. Names are resolved at compile time to a frame depth and a slot, so a variable read is an
 * array load; every compiled closure is handed the frame of the call it runs in and the run (steps, position,
 * control flow: see runtime.ts), so a statement counts its step without looking anything up.
 */
import type { Pos } from '../ast.ts';
import type { RunState } from '../runtime.ts';
import type { Value } from '../values.ts';

/** The slots of one call of a function (the script body, a method, a closure); `up` is the frame it was created in. */
export interface Frame {
  v: Value[];
  up: Frame | null;
}

/** A compiled expression: its value in this frame of this run. */
export type CompiledExpr = (frame: Frame, run: RunState) => Value;

/** A compiled statement: run for its effect; break, continue and return leave their mark in run.ctl. */
export type CompiledStmt = (frame: Frame, run: RunState) => void;

/** Compiled arguments of a call, evaluated left to right. */
export type CompiledArgs = (frame: Frame, run: RunState) => Value[];

export function makeFrame(slots: number, up: Frame | null): Frame {
  const v = new Array<Value>(slots);
  for (let i = 0; i < slots; i++) v[i] = null;
  return { v, up };
}

/** Reads the slot `depth` frames up: the three nearest without a loop. */
export function slotReader(depth: number, slot: number): CompiledExpr {
  switch (depth) {
    case 0:
      return (f) => f.v[slot] as Value;
    case 1:
      return (f) => (f.up as Frame).v[slot] as Value;
    case 2:
      return (f) => ((f.up as Frame).up as Frame).v[slot] as Value;
    default:
      return (f) => {
        let fr = f;
        for (let d = depth; d > 0; d--) fr = fr.up as Frame;
        return fr.v[slot] as Value;
      };
  }
}

/** Marks where the run is, so errors raised deep inside built-ins point at the right source position. */
export function at(run: RunState, pos: Pos): void {
  run.line = pos.line;
  run.col = pos.col;
}
