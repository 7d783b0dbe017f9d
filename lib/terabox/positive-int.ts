import { TeraboxValidationError } from './errors';

/** An integer option from 1 to `max`, or `fallback` when unset; throws TeraboxValidationError otherwise. */
export function positiveInt(value: number | undefined, fallback: number, name: string, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new TeraboxValidationError([`${name} must be an integer from 1 to ${max}`]);
  return value;
}
