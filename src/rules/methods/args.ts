/** Argument checks shared by the built-in methods, so every misuse reads the same way. */
import { GDecimal, GLong, toInt } from '../numbers.ts';
import { scriptError } from '../runtime.ts';
import { GClosure, groovyToString, typeName, type Value } from '../values.ts';

export type Method<T> = (self: T, args: Value[]) => Value;

export function signatureError(owner: string, name: string, args: Value[]): Error {
  const types = args.map((a) => typeName(a)).join(', ');
  return scriptError(
    `No signature of method: ${owner}.${name}() is applicable for argument types: (${types})`,
    'missing_method',
    'MissingMethodException',
  );
}

export function arity(owner: string, name: string, args: Value[], min: number, max = min): void {
  if (args.length < min || args.length > max) throw signatureError(owner, name, args);
}

export function closureArg(owner: string, name: string, args: Value[], i: number): GClosure {
  const c = args[i];
  if (!(c instanceof GClosure)) throw signatureError(owner, name, args);
  return c;
}

export function optionalClosure(args: Value[], i: number): GClosure | null {
  const c = args[i];
  return c instanceof GClosure ? c : null;
}

export function intArg(owner: string, name: string, args: Value[], i: number): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (v instanceof GLong) return toInt(v);
  throw signatureError(owner, name, args);
}

export function stringArg(owner: string, name: string, args: Value[], i: number): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) throw signatureError(owner, name, args);
  if (v instanceof GDecimal || typeof v === 'number' || v instanceof GLong) throw signatureError(owner, name, args);
  return groovyToString(v);
}
